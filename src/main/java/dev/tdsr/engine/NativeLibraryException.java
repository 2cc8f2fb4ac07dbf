package dev.tdsr.engine;

/** The native engine library could not be loaded; the message carries the loader's real reason. */
public class NativeLibraryException extends EngineException {
    public NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
