package dev.tdsr.api;

/** Base of every failure the embedding API reports (unchecked; the subclasses say which kind). */
public class TdsrException extends RuntimeException {
    public TdsrException(String message) {
        super(message);
    }

    public TdsrException(String message, Throwable cause) {
        super(message, cause);
    }
}
