package dev.tdsr.engine;

import dev.tdsr.engine.jni.Tdsr;
import dev.tdsr.engine.jni.TdsrCuda;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.bytedeco.javacpp.Pointer;

/**
 * A CUDA device as a backend: tensors live in that GPU's memory (its caching allocator) and every op runs the CUDA
 * twin of its family ({@code src/main/cuda/<family>.cu}), except the convolutions, transposed convolutions and the
 * GEMM, which run through cuDNN and cuBLAS ({@link CudnnEngine}) after the engine's own argument checks
 * ({@code tdsr_check}, the same header as the CPU twin). All of them are queued on the device's one stream; a value
 * comes back to the host only where a method returns one (losses, sums, reads).
 *
 * <p>Obtain it through {@link Backends#choose(String)}, which says why when a GPU cannot be used.
 */
public final class CudaBackend extends NativeBackend {
    /**
     * Whether this build's CUDA engine has passed the GPU suite ({@code CudaParityTest}, the first TDSR steps against
     * the CPU) on a real GPU. False until a device run says so (README, "Status"): {@code --device auto} then keeps
     * the CPU, while {@code --device cuda} uses the GPU and says once that it is unverified.
     */
    static final boolean VERIFIED_ON_GPU = false;

    private static final ConcurrentMap<Integer, CudaBackend> DEVICES = new ConcurrentHashMap<>();

    private volatile CudnnEngine cudnn;

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

    /** Whether fp32 convolutions and GEMMs may use TF32 tensor cores: {@code -Dtdsr.cuda.tf32} (default true). */
    public static boolean tf32() {
        return Boolean.parseBoolean(System.getProperty("tdsr.cuda.tf32", "true"));
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
        return name() + " (" + CudaProbe.get().devices().get(device) + "; " + TdsrCuda.tdsr_cuda_versions() + ")";
    }

    /** cuDNN and cuBLAS versions and the TF32 state; loads them (throws where they cannot load). */
    public String libraryVersions() {
        return cudnn().versions();
    }

    @Override
    public ComputeStream openStream() {
        Pointer stream = TdsrCuda.tdsr_cuda_stream_create(device);
        if (stream == null || stream.isNull()) {
            throw new EngineException(name() + ": cudaStreamCreate: " + TdsrCuda.tdsr_cuda_last_error());
        }
        return new ComputeStream() {
            private boolean closed;

            @Override
            public Binding bind() {
                cuda("cudaStreamUse", TdsrCuda.tdsr_cuda_stream_use(device, stream));
                return () -> cuda("cudaStreamUse", TdsrCuda.tdsr_cuda_stream_use(device, null));
            }

            @Override
            public synchronized void close() {
                if (!closed) {
                    closed = true;
                    cuda("cudaStreamDestroy", TdsrCuda.tdsr_cuda_stream_destroy(device, stream));
                }
            }
        };
    }

    @Override
    public void stage(Tensor t, float[] values) {
        if (t.dtype() != DType.F32 || values.length != t.numel()) {
            throw new IllegalArgumentException("stage: expected " + t.numel() + " values for an f32 tensor "
                    + java.util.Arrays.toString(t.shape()) + ", got " + values.length + " (" + t.dtype() + ")");
        }
        cuda("stage", TdsrCuda.tdsr_cuda_stage(device, devicePointer(t), values, 4L * values.length));
    }

    @Override
    public void joinStaged() {
        cuda("stage_join", TdsrCuda.tdsr_cuda_stage_join(device));
    }

    /**
     * Records the ops {@code work} queues on the calling thread's stream into a CUDA graph instead of running them
     * (tdsr.h's rules: static shapes and addresses; no host read inside; whatever changes between replays lives in
     * device memory). Run {@code work} once eagerly first, so the caching allocator holds every block it needs: a
     * capture that would call cudaMalloc fails with a message. Keep every tensor the graph touches alive while it
     * replays. The capture is ended even when {@code work} throws.
     */
    public CudaGraph capture(Runnable work) {
        cuda("graph_begin", TdsrCuda.tdsr_cuda_graph_begin(device));
        RuntimeException failure = null;
        try {
            work.run();
        } catch (RuntimeException e) {
            failure = e;
        }
        Pointer graph = TdsrCuda.tdsr_cuda_graph_end(device);
        if (failure != null) {
            if (graph != null) {
                TdsrCuda.tdsr_cuda_graph_destroy(graph);
            }
            throw failure;
        }
        if (graph == null) {
            throw new EngineException(name() + ": graph_end: " + TdsrCuda.tdsr_cuda_last_error());
        }
        return new CudaGraph(this, graph);
    }

    /** A new private memory pool for a captured step ({@link GraphPool}). */
    public GraphPool graphPool() {
        long id = TdsrCuda.tdsr_cuda_pool_create(device);
        if (id <= 0) {
            throw new EngineException(name() + ": graph pool: " + TdsrCuda.tdsr_cuda_last_error());
        }
        return new GraphPool(this, id);
    }

    void launchGraph(Pointer graph) {
        cuda("graph_launch", TdsrCuda.tdsr_cuda_graph_launch(device, graph));
    }

    void destroyGraph(Pointer graph) {
        cuda("graph_destroy", TdsrCuda.tdsr_cuda_graph_destroy(graph));
    }

    void cuda(String call, int status) {
        if (status != 0) {
            throw new EngineException(name() + ": " + call + ": " + TdsrCuda.tdsr_cuda_last_error());
        }
    }

    /** Waits until every op queued on this device has finished (benchmarks and tests time whole steps with it). */
    public void synchronize() {
        int status = TdsrCuda.tdsr_cuda_synchronize(device);
        if (status != 0) {
            throw new EngineException(name() + ": " + TdsrCuda.tdsr_cuda_last_error());
        }
    }

    private CudnnEngine cudnn() {
        CudnnEngine e = cudnn;
        if (e == null) {
            synchronized (this) {
                if (cudnn == null) {
                    Pointer stream = TdsrCuda.tdsr_cuda_stream(device);
                    if (stream == null || stream.isNull()) {
                        throw new EngineException(name() + ": no stream: " + TdsrCuda.tdsr_cuda_last_error());
                    }
                    try {
                        cudnn = new CudnnEngine(this, stream, tf32());
                    } catch (UnsatisfiedLinkError | NoClassDefFoundError err) {
                        throw new BackendUnavailableException(name() + ": cuDNN/cuBLAS did not load ("
                                + Engine.rootMessage(err) + "); put libcudnn.so.9 and libcublas.so.13 on"
                                + " LD_LIBRARY_PATH");
                    }
                }
                e = cudnn;
            }
        }
        return e;
    }

    private void checkArgs(int op, Tensor a, Tensor b, Tensor c, Tensor d, ConvSpec s) {
        check(Tdsr.tdsr_check(op, handle(a), handle(b), handle(c), handle(d), s.strideH(), s.strideW(), s.padH(),
                s.padW(), s.dilationH(), s.dilationW()));
    }

    private Pointer ptr(Tensor t) {
        return devicePointer(t);
    }

    // conv: conv input x, filter w, conv output y.
    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvSpec s) {
        checkArgs(Tdsr.CHECK_CONV2D_FORWARD, x, w, b, y, s);
        CudnnEngine.ConvShape shape = CudnnEngine.ConvShape.of(x, w, y, s);
        cudnn().forward(shape, ptr(x), ptr(w), ptr(y));
        if (b != null) {
            cudnn().addBias(shape, false, ptr(b), ptr(y));
        }
    }

    @Override
    public void conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, ConvSpec s) {
        checkArgs(Tdsr.CHECK_CONV2D_BACKWARD_INPUT, dy, w, dx, null, s);
        cudnn().backwardData(CudnnEngine.ConvShape.of(dx, w, dy, s), ptr(w), ptr(dy), ptr(dx));
    }

    @Override
    public void conv2dBackwardParams(Tensor dy, Tensor x, Tensor dw, Tensor db, ConvSpec s) {
        if (dw == null && db == null) {
            return;
        }
        checkArgs(Tdsr.CHECK_CONV2D_BACKWARD_PARAMS, dy, x, dw, db, s);
        if (dw != null) {
            cudnn().backwardFilter(CudnnEngine.ConvShape.of(x, dw, dy, s), ptr(x), ptr(dy), ptr(dw));
        }
        if (db != null) {
            cudnn().biasGradient(biasShape(dy, s), false, ptr(dy), ptr(db));
        }
    }

    // deconv: the adjoint of the conv whose input is the deconv output y and whose output is the deconv input x.
    @Override
    public void deconv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvSpec s) {
        requireNoDilation("deconv2d_forward", s);
        checkArgs(Tdsr.CHECK_DECONV2D_FORWARD, x, w, b, y, s);
        CudnnEngine.ConvShape shape = CudnnEngine.ConvShape.of(y, w, x, s);
        cudnn().backwardData(shape, ptr(w), ptr(x), ptr(y));
        if (b != null) {
            cudnn().addBias(shape, true, ptr(b), ptr(y));
        }
    }

    @Override
    public void deconv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, ConvSpec s) {
        requireNoDilation("deconv2d_backward_input", s);
        checkArgs(Tdsr.CHECK_DECONV2D_BACKWARD_INPUT, dy, w, dx, null, s);
        cudnn().forward(CudnnEngine.ConvShape.of(dy, w, dx, s), ptr(dy), ptr(w), ptr(dx));
    }

    @Override
    public void deconv2dBackwardParams(Tensor dy, Tensor x, Tensor dw, Tensor db, ConvSpec s) {
        if (dw == null && db == null) {
            return;
        }
        requireNoDilation("deconv2d_backward_params", s);
        checkArgs(Tdsr.CHECK_DECONV2D_BACKWARD_PARAMS, dy, x, dw, db, s);
        if (dw != null) {
            cudnn().backwardFilter(CudnnEngine.ConvShape.of(dy, dw, x, s), ptr(dy), ptr(x), ptr(dw));
        }
        if (db != null) {
            cudnn().biasGradient(biasShape(dy, s), false, ptr(dy), ptr(db));
        }
    }

    /** A shape whose conv output side is dy [N,C,H,W]: only its output descriptors are used (bias gradients). */
    private static CudnnEngine.ConvShape biasShape(Tensor dy, ConvSpec s) {
        int n = (int) dy.dim(0), c = (int) dy.dim(1), h = (int) dy.dim(2), w = (int) dy.dim(3);
        return new CudnnEngine.ConvShape(dy.dtype(), n, c, h, w, c, 1, 1, h, w, 1, 1, 0, 0, 1, 1);
    }

    @Override
    public void gemm(Tensor a, Tensor b, Tensor c) {
        check(Tdsr.tdsr_check(Tdsr.CHECK_GEMM, handle(a), handle(b), handle(c), null, 0, 0, 0, 0, 0, 0));
        cudnn().gemm(a.dtype(), (int) a.dim(0), (int) b.dim(1), (int) a.dim(1), ptr(a), ptr(b), ptr(c));
    }
}
