package dev.tdsr.engine;

/**
 * The backend could not allocate memory even after emptying its cache. {@link #requestedBytes()} is what the failed
 * allocation asked for; {@link #freeBytes()} what the device reported free (-1 where it cannot tell: host memory).
 */
public class OutOfMemoryException extends EngineException {
    private final long requestedBytes;
    private final long freeBytes;

    public OutOfMemoryException(String message, long requestedBytes, long freeBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long freeBytes() {
        return freeBytes;
    }
}
