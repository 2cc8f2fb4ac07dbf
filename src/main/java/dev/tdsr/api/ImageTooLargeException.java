package dev.tdsr.api;

/**
 * An upscale whose result cannot be held in this JVM: checked before any computing, the message says how much Java
 * heap it needs (an estimate of the peak: input planes, the tiler's accumulators, the output image) and how much the
 * JVM may still use. Raise {@code -Xmx} or upscale the image in parts.
 */
public final class ImageTooLargeException extends TdsrException {
    private final long neededBytes;
    private final long availableBytes;

    ImageTooLargeException(String message, long neededBytes, long availableBytes) {
        super(message);
        this.neededBytes = neededBytes;
        this.availableBytes = availableBytes;
    }

    /** Estimated peak Java heap of the upscale, in bytes. */
    public long neededBytes() {
        return neededBytes;
    }

    /** Java heap the JVM could still give when it was checked, in bytes (-1: not the limit that was hit). */
    public long availableBytes() {
        return availableBytes;
    }
}
