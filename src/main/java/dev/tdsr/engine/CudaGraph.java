package dev.tdsr.engine;

import org.bytedeco.javacpp.Pointer;

/**
 * A CUDA graph captured by {@link CudaBackend#capture}: {@link #launch} replays the recorded ops on the calling
 * thread's stream of that device (one launch instead of one per op), {@link #close} frees it.
 */
public final class CudaGraph implements AutoCloseable {
    private final CudaBackend backend;
    private Pointer graph;

    CudaGraph(CudaBackend backend, Pointer graph) {
        this.backend = backend;
        this.graph = graph;
    }

    /** Replays the graph; queued like any op (no host synchronisation). */
    public void launch() {
        if (graph == null) {
            throw new IllegalStateException(backend.name() + ": CUDA graph used after close");
        }
        backend.launchGraph(graph);
    }

    @Override
    public void close() {
        if (graph != null) {
            Pointer g = graph;
            graph = null;
            backend.destroyGraph(g);
        }
    }
}
