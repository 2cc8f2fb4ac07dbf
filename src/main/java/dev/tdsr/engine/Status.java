package dev.tdsr.engine;

import dev.tdsr.engine.nat.Cpu;

/** Turns the C API's status codes into typed exceptions carrying the engine's thread-local message. */
final class Status {
    static final int OK = 0;
    static final int INVALID_ARGUMENT = 1;
    static final int OUT_OF_MEMORY = 2;

    private Status() {}

    static void check(int status) {
        if (status == OK) {
            return;
        }
        String message = Cpu.tdsr_last_error();
        switch (status) {
            case INVALID_ARGUMENT:
                throw new InvalidTensorArgumentException(message);
            case OUT_OF_MEMORY:
                throw new OutOfMemoryException(message, -1, -1);
            default:
                throw new EngineException("native engine error " + status + ": " + message);
        }
    }
}
