package dev.tdsr.api;

import dev.tdsr.engine.OutOfMemoryException;

/**
 * The device could not allocate a tensor: the API's face of the engine's {@link OutOfMemoryException}, which it
 * carries as its cause and whose figures it reports. {@link #requestedBytes()} and {@link #freeBytes()} are -1 where
 * the device cannot tell (host memory). A smaller tile size ({@code optTileSize}) lowers the peak memory of an upscale.
 */
public final class DeviceOutOfMemoryException extends TdsrException {
    DeviceOutOfMemoryException(String message, OutOfMemoryException cause) {
        super(message, cause);
    }

    private OutOfMemoryException engineError() {
        return (OutOfMemoryException) getCause();
    }

    public long requestedBytes() {
        return engineError().requestedBytes();
    }

    public long freeBytes() {
        return engineError().freeBytes();
    }
}
