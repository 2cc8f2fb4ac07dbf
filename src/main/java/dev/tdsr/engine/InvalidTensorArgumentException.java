package dev.tdsr.engine;

/** An op was given tensors of the wrong shape or dtype, or invalid hyper-parameters; the message names both. */
public class InvalidTensorArgumentException extends EngineException {
    public InvalidTensorArgumentException(String message) {
        super(message);
    }
}
