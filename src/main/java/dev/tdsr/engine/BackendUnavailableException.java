package dev.tdsr.engine;

/** The asked-for backend (e.g. {@code --device cuda}) cannot run here; the message says why. Never a silent fallback. */
public class BackendUnavailableException extends EngineException {
    public BackendUnavailableException(String message) {
        super(message);
    }
}
