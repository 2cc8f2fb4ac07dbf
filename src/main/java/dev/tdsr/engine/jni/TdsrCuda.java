package dev.tdsr.engine.jni;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP glue for the CUDA library ({@code src/main/cuda/tdsr_cuda.h}). Kept apart from {@link Tdsr} so the CPU path
 * never depends on it; loading it is attempted only when a backend choice asks (see
 * {@link dev.tdsr.engine.Backends}). cudart is linked statically, so this loads on machines without a driver.
 */
@Platform(include = "tdsr_cuda.h", link = "tdsr_cuda", preload = "tdsr_cpu")
public final class TdsrCuda {
    static {
        Loader.load();
    }

    private TdsrCuda() {}

    public static native int tdsr_cuda_compiled();

    public static native int tdsr_cuda_device_count();

    public static native int tdsr_cuda_runtime_version();

    public static native int tdsr_cuda_driver_version();

    public static native String tdsr_cuda_device_info(int device);

    public static native String tdsr_cuda_last_error();

    /** Registers the CUDA twins with the engine; the device count (> 0) or 0 / -(cudaError) without registering. */
    public static native int tdsr_cuda_register();

    public static native String tdsr_cuda_versions();

    /** The cudaStream_t the twins of {@code device} run on (null when it cannot be created). */
    public static native Pointer tdsr_cuda_stream(int device);

    public static native int tdsr_cuda_synchronize(int device);

    /** A new stream of {@code device} (null when it cannot be created: see tdsr_cuda_last_error). */
    public static native Pointer tdsr_cuda_stream_create(int device);

    /** The calling thread's ops on {@code device} run on {@code stream} from now on (null: the device's own). */
    public static native int tdsr_cuda_stream_use(int device, Pointer stream);

    public static native int tdsr_cuda_stream_destroy(int device, Pointer stream);

    /** Starts a pinned-staged copy of {@code bytes} from {@code src} to device address {@code dst}. */
    public static native int tdsr_cuda_stage(int device, Pointer dst, float[] src, long bytes);

    public static native int tdsr_cuda_stage_join(int device);

    /** Starts capturing the calling thread's stream of {@code device} into a CUDA graph. */
    public static native int tdsr_cuda_graph_begin(int device);

    /** Ends the capture and instantiates the graph (null on failure: see tdsr_cuda_last_error). */
    public static native Pointer tdsr_cuda_graph_end(int device);

    public static native int tdsr_cuda_graph_launch(int device, Pointer graph);

    public static native int tdsr_cuda_graph_destroy(Pointer graph);

    /** A new graph pool of {@code device} (its id, > 0), or -1: see tdsr_cuda_last_error. */
    public static native long tdsr_cuda_pool_create(int device);

    /** The calling thread's allocations on {@code device} come from {@code pool} (0: its stream's again). */
    public static native int tdsr_cuda_pool_use(int device, long pool);

    public static native int tdsr_cuda_pool_release(int device, long pool);
}
