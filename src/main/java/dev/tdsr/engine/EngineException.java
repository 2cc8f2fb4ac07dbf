package dev.tdsr.engine;

/** A failure reported by the native engine (status code + the engine's message), or by the engine's Java side. */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
