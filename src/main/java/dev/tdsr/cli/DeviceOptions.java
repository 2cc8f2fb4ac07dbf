package dev.tdsr.cli;

import dev.tdsr.engine.Backends;
import dev.tdsr.engine.Engine;
import picocli.CommandLine.Option;

/** {@code --device} and {@code --threads}, shared by every command that computes (a picocli mixin). */
public final class DeviceOptions {
    @Option(names = "--device", defaultValue = "auto", description = "auto|cpu|cuda (default: ${DEFAULT-VALUE}); cuda never falls back silently")
    String device;

    @Option(names = "--threads", description = "CPU threads for OpenMP and BLAS (default: 1 on <= 2 processors, else all)")
    Integer threads;

    /** Applies --threads and chooses the backend. */
    public Backends.Choice choose() {
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
            }
            Engine.setThreads(threads);
        }
        return Backends.choose(device);
    }
}
