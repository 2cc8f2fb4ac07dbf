package dev.tdsr.api;

/**
 * The device could not allocate a tensor. {@link #requestedBytes()} and {@link #freeBytes()} are -1 where the device
 * cannot tell (host memory). A smaller tile size ({@code optTileSize}) lowers the peak memory of an upscale.
 */
public final class DeviceOutOfMemoryException extends TdsrException {
    private final long requestedBytes;
    private final long freeBytes;

    public DeviceOutOfMemoryException(String message, long requestedBytes, long freeBytes, Throwable cause) {
        super(message, cause);
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
