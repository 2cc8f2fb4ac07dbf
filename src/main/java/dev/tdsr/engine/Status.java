package dev.tdsr.engine;

import dev.tdsr.engine.jni.Tdsr;

/** Turns the C API's status codes into typed exceptions carrying the engine's thread-local message. */
final class Status {
    static final int OK = 0;
    static final int INVALID_ARGUMENT = 1;
    static final int OUT_OF_MEMORY = 2;
    static final int DEVICE_ERROR = 4;

    private Status() {}

    static void check(int status) {
        if (status == OK) {
            return;
        }
        String message = Tdsr.tdsr_last_error();
        switch (status) {
            case INVALID_ARGUMENT:
                throw new InvalidTensorArgumentException(message);
            case OUT_OF_MEMORY:
                long[] requested = new long[1];
                long[] free = new long[1];
                Tdsr.tdsr_last_oom(requested, free);
                throw new OutOfMemoryException(message, requested[0], free[0]);
            case DEVICE_ERROR:
                throw new EngineException("device error: " + message);
            default:
                throw new EngineException("native engine error " + status + ": " + message);
        }
    }
}
