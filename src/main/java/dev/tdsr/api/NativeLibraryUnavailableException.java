package dev.tdsr.api;

/**
 * The native engine cannot be loaded (or the asked-for device is not there). The message carries the loader's reason
 * and what {@code tdsr-native info} would show about this JVM and platform.
 */
public final class NativeLibraryUnavailableException extends TdsrException {
    public NativeLibraryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
