package dev.tdsr.engine;

import dev.tdsr.engine.jni.TdsrCuda;

/**
 * The private memory of one captured CUDA graph (tdsr_cuda.h, "Graph pools"; PyTorch's graph pools): while a thread
 * {@link #use}s it, its allocations on that device come from this pool, whose blocks serve no other work, and the
 * allocator keeps the pool's free blocks through cache flushes. A captured step frees its temporaries inside the
 * capture and the graph writes into them again at every replay, so they must stay the graph's alone: use the pool
 * around the eager warm-up step and the capture, and {@link #close} it after the graph.
 */
public final class GraphPool implements AutoCloseable {
    private final CudaBackend backend;
    private long id;

    GraphPool(CudaBackend backend, long id) {
        this.backend = backend;
        this.id = id;
    }

    /** Until the binding closes, the calling thread's allocations on this device come from the pool. */
    public ComputeStream.Binding use() {
        if (id == 0) {
            throw new IllegalStateException(backend.name() + ": graph pool used after close");
        }
        backend.cuda("cudaPoolUse", TdsrCuda.tdsr_cuda_pool_use(backend.ordinal(), id));
        return () -> backend.cuda("cudaPoolUse", TdsrCuda.tdsr_cuda_pool_use(backend.ordinal(), 0));
    }

    /** Stops keeping the pool's free blocks and gives them back (the graph that used them must be closed first). */
    @Override
    public void close() {
        if (id != 0) {
            long pool = id;
            id = 0;
            backend.cuda("cudaPoolRelease", TdsrCuda.tdsr_cuda_pool_release(backend.ordinal(), pool));
        }
    }
}
