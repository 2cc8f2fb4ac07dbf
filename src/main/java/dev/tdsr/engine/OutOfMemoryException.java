package dev.tdsr.engine;

/**
 * The backend could not allocate memory. {@link #requestedBytes()} and {@link #freeBytes()} are -1 where the backend
 * cannot tell (host memory).
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
