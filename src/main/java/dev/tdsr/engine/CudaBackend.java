package dev.tdsr.engine;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A CUDA device as a backend: tensors live in that GPU's memory (its caching allocator) and every op runs the CUDA
 * twin of its family ({@code src/main/cuda/<family>.cu}). Obtain it through {@link Backends#choose(String)}, which
 * says why when a GPU cannot be used; tests may build one directly for the ops that exist.
 */
public final class CudaBackend extends NativeBackend {
    /**
     * Whether every op of {@link Backend} has a CUDA twin. False in this version: the convolutions and the GEMM wait
     * for the cuDNN/cuBLAS engine, so {@link Backends} refuses to hand this backend to models.
     */
    static final boolean COMPLETE = false;

    private static final ConcurrentMap<Integer, CudaBackend> DEVICES = new ConcurrentHashMap<>();

    private CudaBackend(int ordinal) {
        super(ordinal);
    }

    /** The backend of CUDA device {@code ordinal}; throws {@link BackendUnavailableException} when there is none. */
    public static CudaBackend get(int ordinal) {
        CudaProbe p = CudaProbe.get();
        if (!p.available() || ordinal < 0 || ordinal >= p.deviceCount()) {
            throw new BackendUnavailableException("cuda:" + ordinal + ": "
                    + (p.available() ? "no such device (" + p.deviceCount() + " visible)" : p.reason()));
        }
        return DEVICES.computeIfAbsent(ordinal, CudaBackend::new);
    }

    public int ordinal() {
        return device;
    }

    @Override
    public String name() {
        return "cuda:" + device;
    }

    @Override
    public String describe() {
        return name() + " (" + CudaProbe.get().devices().get(device) + ")";
    }
}
