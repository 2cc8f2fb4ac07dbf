package dev.tdsr.train;

/** A loss part or the gradient became NaN or infinite; the message says which, and what to try. */
public final class DivergenceException extends RuntimeException {
    public DivergenceException(String message) {
        super(message);
    }
}
