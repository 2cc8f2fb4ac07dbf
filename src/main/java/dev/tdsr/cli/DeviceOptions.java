package dev.tdsr.cli;

import dev.tdsr.engine.Backends;
import dev.tdsr.engine.Engine;
import picocli.CommandLine.Option;

/** {@code --device} and {@code --threads}, shared by every command that computes (a picocli mixin). */
public final class DeviceOptions {
    @Option(names = "--device", defaultValue = "auto", description = "auto|cpu|cuda|cuda:N (default: ${DEFAULT-VALUE}); cuda never falls back silently")
    String device;

    @Option(names = "--no-tf32", description = "GPU: full fp32 products in convolutions and GEMMs (TF32 tensor cores are on by default)")
    boolean noTf32;

    @Option(names = "--threads", description = "CPU threads for OpenMP and BLAS (default: 1 on <= 2 processors, else all)")
    Integer threads;

    /** Applies --threads and chooses the backend. */
    public Backends.Choice choose() {
        if (threads != null) {
            Engine.setThreads(threads, "--threads");
        }
        if (noTf32) {
            System.setProperty("tdsr.cuda.tf32", "false");
        }
        return Backends.choose(device);
    }
}
