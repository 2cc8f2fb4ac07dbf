package dev.tdsr.engine;

import dev.tdsr.engine.jni.Tdsr;

/** The CPU backend: the engine's CPU twins ({@code libtdsr_cpu.so}: C++17, OpenMP, OpenBLAS). */
public final class CpuBackend extends NativeBackend {
    private static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {
        super(CPU_DEVICE);
    }

    /** The process-wide CPU backend; loads the native library on first use. */
    public static CpuBackend get() {
        Engine.ensureLoaded();
        return INSTANCE;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String describe() {
        return "cpu (" + Engine.threads() + " threads, " + Tdsr.tdsr_blas_info() + ")";
    }
}
