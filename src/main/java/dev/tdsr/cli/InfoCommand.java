package dev.tdsr.cli;

import dev.tdsr.engine.Backends;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.CudaBackend;
import dev.tdsr.engine.CudaProbe;
import dev.tdsr.engine.Engine;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code info}: what the engine found on this machine (native library, backend, threads, BLAS, CUDA, devices). */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show the native engine, backend, threads, BLAS and CUDA status.")
public final class InfoCommand implements Callable<Integer> {
    @Mixin
    DeviceOptions deviceOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** cuDNN/cuBLAS versions and TF32 (loading them), or why they are not there. */
    private static String cudaLibraries(CudaProbe cuda) {
        if (!cuda.available()) {
            return "unavailable (no CUDA device)";
        }
        try {
            CudaBackend gpu = CudaBackend.get(0);
            return gpu.libraryVersions() + "; " + gpu.memoryStats();
        } catch (RuntimeException e) {
            return "did not load: " + e.getMessage();
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Backends.Choice choice = deviceOptions.choose();
        CudaProbe cuda = CudaProbe.get();
        out.println("tdsr-native   " + VersionProvider.version() + " (engine " + Engine.version() + ")");
        out.println("java          " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        out.println("native        libtdsr_cpu loaded");
        out.println("backend       " + choice.reason());
        out.println("threads       " + Engine.threads() + " (JVM sees " + Runtime.getRuntime().availableProcessors() + " processors)");
        out.println("blas          " + Engine.blasInfo());
        out.println("host memory   " + CpuBackend.get().memoryStats());
        out.println("cuda library  " + (cuda.compiled() ? "built with nvcc, runtime " + CudaProbe.versionString(cuda.runtimeVersion()) : "stub (built without nvcc)"));
        out.println("cuda driver   " + CudaProbe.versionString(cuda.driverVersion()));
        out.println("cudnn/cublas  " + cudaLibraries(cuda));
        out.println("devices       " + (cuda.available() ? String.join("; ", cuda.devices()) : "cpu only (" + cuda.reason() + ")"));
        out.flush();
        return 0;
    }
}
