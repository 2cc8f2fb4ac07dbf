package dev.tdsr.engine;

import dev.tdsr.engine.jni.TdsrCuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_STATUS_ALLOC_FAILED;
import static org.bytedeco.cuda.global.cublas.CUBLAS_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cublas.CUBLAS_TF32_TENSOR_OP_MATH;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDgemm_v2;
import static org.bytedeco.cuda.global.cublas.cublasGetVersion_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetWorkspace_v2;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudnn.CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_CROSS_CORRELATION;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_DOUBLE;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DATA_FLOAT;
import static org.bytedeco.cuda.global.cudnn.CUDNN_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_FMA_MATH;
import static org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_ALLOC_FAILED;
import static org.bytedeco.cuda.global.cudnn.CUDNN_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cudnn.CUDNN_TENSOR_NCHW;
import static org.bytedeco.cuda.global.cudnn.cudnnAddTensor;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionBackwardBias;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionBackwardData;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionBackwardFilter;
import static org.bytedeco.cuda.global.cudnn.cudnnConvolutionForward;
import static org.bytedeco.cuda.global.cudnn.cudnnCreate;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateConvolutionDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateFilterDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnCreateTensorDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnFindConvolutionBackwardDataAlgorithmEx;
import static org.bytedeco.cuda.global.cudnn.cudnnFindConvolutionBackwardFilterAlgorithmEx;
import static org.bytedeco.cuda.global.cudnn.cudnnFindConvolutionForwardAlgorithmEx;
import static org.bytedeco.cuda.global.cudnn.cudnnGetErrorString;
import static org.bytedeco.cuda.global.cudnn.cudnnGetVersion;
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolution2dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetConvolutionMathType;
import static org.bytedeco.cuda.global.cudnn.cudnnSetFilter4dDescriptor;
import static org.bytedeco.cuda.global.cudnn.cudnnSetStream;
import static org.bytedeco.cuda.global.cudnn.cudnnSetTensor4dDescriptor;

import java.util.HashMap;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The convolutions, transposed convolutions and GEMMs of one CUDA device: cuDNN and cuBLAS called through the JavaCPP
 * presets (javac checks every call against the real cuDNN 9 / cuBLAS 13 signatures, also on machines without them),
 * on the stream the engine's CUDA twins run on, so they stay ordered with our kernels without host synchronisation.
 *
 * <p>Every op is a convolution in cuDNN's terms, "conv input" [N,C,H,W] -> "conv output" [N,K,P,Q] with a filter
 * [K,C,R,S]; a transposed convolution is the adjoint of one (its output is the conv input, its weight [Cin,Cout,k,k] is
 * the filter with K = Cin, C = Cout), the same duality as the CPU twin (ops/conv.hpp). For each shape the algorithm of
 * each pass is found once by measurement ({@code cudnnFind*AlgorithmEx} on the real buffers, the weight gradient on a
 * scratch buffer so the accumulated gradient is not overwritten) and cached; workspaces come from the engine's
 * caching allocator (a tensor kept by this object, grown when a plan needs more).
 *
 * <p>TF32 ({@code -Dtdsr.cuda.tf32}, default on) lets Ampere and newer GPUs use tensor cores for fp32 convolutions and
 * GEMMs; off ({@code CUDNN_FMA_MATH}, cuBLAS default math) every product is a full fp32 FMA, as the parity tests need.
 *
 * <p>One cuDNN and one cuBLAS handle per device, shared by every thread that computes on it (the replicas of an
 * embedding-API pool, a trainer): the methods are synchronized, since neither handle may be used by two threads at
 * once and the plans are shared; each call sets the handles to the caller's stream and uses that stream's workspace.
 *
 * <p>Not yet run on a GPU: see README, "Status".
 */
// cuDNN 9 marks the legacy convolution API deprecated; it is still shipped and supported through 9.x. Its successor,
// the graph ("backend") API, needs an operation graph and engine configs per shape: see DECISIONS.
@SuppressWarnings("deprecation")
final class CudnnEngine {
    /** Upper bound of the workspace an algorithm search may use (algorithms needing more are not tried). */
    private static final long SEARCH_WORKSPACE_BYTES = 512L << 20;

    private final CudaBackend backend;
    private final boolean tf32;
    private final cudnnContext cudnn = new cudnnContext();
    private final cublasContext cublas = new cublasContext();
    private final Map<ConvShape, Plan> plans = new HashMap<>();
    /** Workspaces by stream address, and the stream both handles are set to. */
    private final java.util.Map<Long, Tensor> workspaces = new java.util.HashMap<>();
    /** Outgrown workspaces, never freed: a CUDA graph captured before the growth writes into them when it replays. */
    private final java.util.List<Tensor> retiredWorkspaces = new java.util.ArrayList<>();
    /**
     * cuBLAS's workspace by stream address, from the caching allocator and set explicitly (cublasSetStream resets it):
     * a GEMM inside a CUDA graph capture then never allocates one itself. 32 MiB: cuBLAS's recommendation for Hopper.
     */
    private final java.util.Map<Long, Tensor> cublasWorkspaces = new java.util.HashMap<>();
    private static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;
    private long boundStream;

    /** A convolution in cuDNN's terms. */
    record ConvShape(DType dtype, int n, int c, int h, int w, int k, int r, int s, int p, int q, int sh, int sw,
            int ph, int pw, int dh, int dw) {
        static ConvShape of(Tensor convIn, Tensor filter, Tensor convOut, ConvSpec spec) {
            return new ConvShape(convIn.dtype(), (int) convIn.dim(0), (int) convIn.dim(1), (int) convIn.dim(2),
                    (int) convIn.dim(3), (int) filter.dim(0), (int) filter.dim(2), (int) filter.dim(3),
                    (int) convOut.dim(2), (int) convOut.dim(3), spec.strideH(), spec.strideW(), spec.padH(),
                    spec.padW(), spec.dilationH(), spec.dilationW());
        }
    }

    /** The descriptors of one shape and the algorithm found for each pass (-1 until the first call). */
    private static final class Plan {
        final cudnnTensorStruct in = new cudnnTensorStruct();
        final cudnnTensorStruct out = new cudnnTensorStruct();
        final cudnnTensorStruct inBias = new cudnnTensorStruct();
        final cudnnTensorStruct outBias = new cudnnTensorStruct();
        final cudnnFilterStruct filter = new cudnnFilterStruct();
        final cudnnConvolutionStruct conv = new cudnnConvolutionStruct();
        int forwardAlgo = -1, dataAlgo = -1, filterAlgo = -1;
        long forwardBytes, dataBytes, filterBytes;
    }

    CudnnEngine(CudaBackend backend, Pointer stream, boolean tf32) {
        this.backend = backend;
        this.tf32 = tf32;
        this.boundStream = stream.address();
        CUstream_st s = new CUstream_st(stream);
        cudnn("cudnnCreate", cudnnCreate(cudnn));
        cudnn("cudnnSetStream", cudnnSetStream(cudnn, s));
        cublas("cublasCreate", cublasCreate_v2(cublas));
        cublas("cublasSetStream", cublasSetStream_v2(cublas, s));
        cublasWorkspace(boundStream);
        cublas("cublasSetMathMode", cublasSetMathMode(cublas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    }

    /** "cuDNN 9.19.0, cuBLAS 13.2.0, TF32 on" for {@code info}. */
    synchronized String versions() {
        long v = cudnnGetVersion();
        int[] b = new int[1];
        cublas("cublasGetVersion", cublasGetVersion_v2(cublas, b));
        return "cuDNN " + v / 10000 + "." + v % 10000 / 100 + "." + v % 100 + ", cuBLAS " + b[0] / 10000 + "."
                + b[0] % 10000 / 100 + "." + b[0] % 100 + ", TF32 " + (tf32 ? "on" : "off");
    }

    // ---- the passes -------------------------------------------------------------------------------------------------

    /** convOut = conv(convIn, filter), overwritten. */
    synchronized void forward(ConvShape shape, Pointer convIn, Pointer filter, Pointer convOut) {
        onCallerStream();
        Plan p = plan(shape);
        if (p.forwardAlgo < 0) {
            Found f = find(new cudnnConvolutionFwdAlgoPerf_t(CUDNN_CONVOLUTION_FWD_ALGO_COUNT),
                    cudnnConvolutionFwdAlgoPerf_t::status, cudnnConvolutionFwdAlgoPerf_t::algo,
                    cudnnConvolutionFwdAlgoPerf_t::memory, (perf, found, ws) -> cudnn(
                            "cudnnFindConvolutionForwardAlgorithmEx", cudnnFindConvolutionForwardAlgorithmEx(cudnn,
                                    p.in, convIn, p.filter, filter, p.conv, p.out, convOut,
                                    CUDNN_CONVOLUTION_FWD_ALGO_COUNT, found, perf, ws, SEARCH_WORKSPACE_BYTES)));
            p.forwardAlgo = f.algo();
            p.forwardBytes = f.bytes();
        }
        Pointer ws = workspace(p.forwardBytes);
        cudnn("cudnnConvolutionForward", cudnnConvolutionForward(cudnn, one(shape), p.in, convIn, p.filter, filter,
                p.conv, p.forwardAlgo, ws, p.forwardBytes, zero(shape), p.out, convOut));
    }

    /** convInGrad = the input gradient of the convolution for convOutGrad, overwritten. */
    synchronized void backwardData(ConvShape shape, Pointer filter, Pointer convOutGrad, Pointer convInGrad) {
        onCallerStream();
        Plan p = plan(shape);
        if (p.dataAlgo < 0) {
            Found f = find(new cudnnConvolutionBwdDataAlgoPerf_t(CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT),
                    cudnnConvolutionBwdDataAlgoPerf_t::status, cudnnConvolutionBwdDataAlgoPerf_t::algo,
                    cudnnConvolutionBwdDataAlgoPerf_t::memory, (perf, found, ws) -> cudnn(
                            "cudnnFindConvolutionBackwardDataAlgorithmEx", cudnnFindConvolutionBackwardDataAlgorithmEx(
                                    cudnn, p.filter, filter, p.out, convOutGrad, p.conv, p.in, convInGrad,
                                    CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, found, perf, ws, SEARCH_WORKSPACE_BYTES)));
            p.dataAlgo = f.algo();
            p.dataBytes = f.bytes();
        }
        Pointer ws = workspace(p.dataBytes);
        cudnn("cudnnConvolutionBackwardData", cudnnConvolutionBackwardData(cudnn, one(shape), p.filter, filter,
                p.out, convOutGrad, p.conv, p.dataAlgo, ws, p.dataBytes, zero(shape), p.in, convInGrad));
    }

    /** filterGrad += the filter gradient for convIn and convOutGrad (accumulated, as the gradient contract says). */
    synchronized void backwardFilter(ConvShape shape, Pointer convIn, Pointer convOutGrad, Pointer filterGrad) {
        onCallerStream();
        Plan p = plan(shape);
        if (p.filterAlgo < 0) {
            long filterElements = (long) shape.k() * shape.c() * shape.r() * shape.s();
            // The search writes its output: give it a scratch filter, so the accumulated gradient survives.
            try (Tensor scratch = backend.allocate(shape.dtype(), filterElements)) {
                Found f = find(new cudnnConvolutionBwdFilterAlgoPerf_t(CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT),
                        cudnnConvolutionBwdFilterAlgoPerf_t::status, cudnnConvolutionBwdFilterAlgoPerf_t::algo,
                        cudnnConvolutionBwdFilterAlgoPerf_t::memory, (perf, found, ws) -> cudnn(
                                "cudnnFindConvolutionBackwardFilterAlgorithmEx",
                                cudnnFindConvolutionBackwardFilterAlgorithmEx(cudnn, p.in, convIn, p.out, convOutGrad,
                                        p.conv, p.filter, backend.devicePointer(scratch),
                                        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, found, perf, ws,
                                        SEARCH_WORKSPACE_BYTES)));
                p.filterAlgo = f.algo();
                p.filterBytes = f.bytes();
            }
        }
        Pointer ws = workspace(p.filterBytes);
        cudnn("cudnnConvolutionBackwardFilter", cudnnConvolutionBackwardFilter(cudnn, one(shape), p.in, convIn,
                p.out, convOutGrad, p.conv, p.filterAlgo, ws, p.filterBytes, one(shape), p.filter, filterGrad));
    }

    /** y[n,c,...] += bias[c], for a tensor of the conv input ({@code onInput}) or output side of the shape. */
    synchronized void addBias(ConvShape shape, boolean onInput, Pointer bias, Pointer y) {
        onCallerStream();
        Plan p = plan(shape);
        cudnn("cudnnAddTensor", cudnnAddTensor(cudnn, one(shape), onInput ? p.inBias : p.outBias, bias, one(shape),
                onInput ? p.in : p.out, y));
    }

    /** db[c] += sum over n and positions of dy[n,c,...], dy on the conv input or output side. */
    synchronized void biasGradient(ConvShape shape, boolean onInput, Pointer dy, Pointer db) {
        onCallerStream();
        Plan p = plan(shape);
        cudnn("cudnnConvolutionBackwardBias", cudnnConvolutionBackwardBias(cudnn, one(shape), onInput ? p.in : p.out,
                dy, one(shape), onInput ? p.inBias : p.outBias, db));
    }

    /** C[M,N] = A[M,K] B[K,N], row-major: cuBLAS is column-major, so it computes C^T = B^T A^T. */
    synchronized void gemm(DType dtype, int m, int n, int k, Pointer a, Pointer b, Pointer c) {
        onCallerStream();
        if (dtype == DType.F64) {
            try (DoublePointer one = new DoublePointer(1.0); DoublePointer zero = new DoublePointer(0.0)) {
                cublas("cublasDgemm", cublasDgemm_v2(cublas, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, one,
                        new DoublePointer(b), n, new DoublePointer(a), k, zero, new DoublePointer(c), n));
            }
        } else {
            try (FloatPointer one = new FloatPointer(1f); FloatPointer zero = new FloatPointer(0f)) {
                cublas("cublasSgemm", cublasSgemm_v2(cublas, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, one,
                        new FloatPointer(b), n, new FloatPointer(a), k, zero, new FloatPointer(c), n));
            }
        }
    }

    // ---- plans, workspace, scalars, errors ----------------------------------------------------------------------------

    private Plan plan(ConvShape s) {
        Plan p = plans.get(s);
        if (p != null) {
            return p;
        }
        p = new Plan();
        int type = s.dtype() == DType.F64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
        cudnn("cudnnCreateTensorDescriptor", cudnnCreateTensorDescriptor(p.in));
        cudnn("cudnnCreateTensorDescriptor", cudnnCreateTensorDescriptor(p.out));
        cudnn("cudnnCreateTensorDescriptor", cudnnCreateTensorDescriptor(p.inBias));
        cudnn("cudnnCreateTensorDescriptor", cudnnCreateTensorDescriptor(p.outBias));
        cudnn("cudnnCreateFilterDescriptor", cudnnCreateFilterDescriptor(p.filter));
        cudnn("cudnnCreateConvolutionDescriptor", cudnnCreateConvolutionDescriptor(p.conv));
        cudnn("cudnnSetTensor4dDescriptor", cudnnSetTensor4dDescriptor(p.in, CUDNN_TENSOR_NCHW, type, s.n(), s.c(), s.h(), s.w()));
        cudnn("cudnnSetTensor4dDescriptor", cudnnSetTensor4dDescriptor(p.out, CUDNN_TENSOR_NCHW, type, s.n(), s.k(), s.p(), s.q()));
        cudnn("cudnnSetTensor4dDescriptor", cudnnSetTensor4dDescriptor(p.inBias, CUDNN_TENSOR_NCHW, type, 1, s.c(), 1, 1));
        cudnn("cudnnSetTensor4dDescriptor", cudnnSetTensor4dDescriptor(p.outBias, CUDNN_TENSOR_NCHW, type, 1, s.k(), 1, 1));
        cudnn("cudnnSetFilter4dDescriptor", cudnnSetFilter4dDescriptor(p.filter, type, CUDNN_TENSOR_NCHW, s.k(), s.c(), s.r(), s.s()));
        cudnn("cudnnSetConvolution2dDescriptor", cudnnSetConvolution2dDescriptor(p.conv, s.ph(), s.pw(), s.sh(), s.sw(),
                s.dh(), s.dw(), CUDNN_CROSS_CORRELATION, type));
        // FMA math forbids TF32 tensor cores; default math allows them on Ampere and newer.
        cudnn("cudnnSetConvolutionMathType", cudnnSetConvolutionMathType(p.conv, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH));
        plans.put(s, p);
        return p;
    }

    /**
     * Points both handles at the calling thread's stream (a trainer's or predictor's, see ComputeStream), so the
     * pass queues behind that thread's earlier ops; a no-op while it does not change.
     */
    private void onCallerStream() {
        Pointer stream = TdsrCuda.tdsr_cuda_stream(backend.device);
        if (stream == null || stream.isNull()) {
            throw new EngineException(backend.name() + ": no stream: " + TdsrCuda.tdsr_cuda_last_error());
        }
        if (stream.address() != boundStream) {
            CUstream_st s = new CUstream_st(stream);
            cudnn("cudnnSetStream", cudnnSetStream(cudnn, s));
            cublas("cublasSetStream", cublasSetStream_v2(cublas, s));
            boundStream = stream.address();
            cublasWorkspace(boundStream);
        }
    }

    /** Gives cuBLAS the workspace of stream {@code address} (allocated on first use, kept by this engine). */
    private void cublasWorkspace(long address) {
        Tensor w = cublasWorkspaces.get(address);
        if (w == null) {
            w = backend.allocate(DType.F32, CUBLAS_WORKSPACE_BYTES / 4);
            Scope.forget(w); // owned by this engine, not by the step that first needed it
            cublasWorkspaces.put(address, w);
        }
        cublas("cublasSetWorkspace", cublasSetWorkspace_v2(cublas, backend.devicePointer(w), CUBLAS_WORKSPACE_BYTES));
    }

    /**
     * A device buffer of at least {@code bytes} for the current stream, kept across calls: one per stream, since two
     * streams' passes may run at once; on its own stream, stream-ordered reuse makes keeping it safe.
     */
    private Pointer workspace(long bytes) {
        if (bytes <= 0) {
            return null;
        }
        long words = (bytes + 3) / 4;
        Tensor workspace = workspaces.get(boundStream);
        if (workspace == null || workspace.numel() < words) {
            if (workspace != null) {
                // A captured CUDA graph may still use the old one at every replay: keep it. Growing at least 2x
                // bounds what is kept to less than the workspace in use.
                words = Math.max(words, 2 * workspace.numel());
                retiredWorkspaces.add(workspace);
            }
            workspace = backend.allocate(DType.F32, words);
            Scope.forget(workspace); // owned by this engine, not by the step that first needed it
            workspaces.put(boundStream, workspace);
        }
        return backend.devicePointer(workspace);
    }

    /** cuDNN's alpha = 1 and beta = 0 / 1 are host scalars of the data type (double for f64, else float). */
    private static final Pointer ONE_F = new FloatPointer(1f), ZERO_F = new FloatPointer(0f);
    private static final Pointer ONE_D = new DoublePointer(1.0), ZERO_D = new DoublePointer(0.0);

    private static Pointer one(ConvShape s) {
        return s.dtype() == DType.F64 ? ONE_D : ONE_F;
    }

    private static Pointer zero(ConvShape s) {
        return s.dtype() == DType.F64 ? ZERO_D : ZERO_F;
    }

    /** The algorithm a search ranked fastest among those that ran, and its workspace. */
    private record Found(int algo, long bytes) {}

    private interface Search<P> {
        void run(P perf, IntPointer found, Pointer workspace);
    }

    /** Runs one cudnnFind*AlgorithmEx (results fastest first) and takes the first that succeeded. */
    private <P extends Pointer> Found find(P perf, ToIntFunction<P> status, ToIntFunction<P> algo,
            ToLongFunction<P> memory, Search<P> search) {
        try (perf; IntPointer found = new IntPointer(1)) {
            search.run(perf, found, workspace(SEARCH_WORKSPACE_BYTES));
            for (int i = 0; i < found.get(); i++) {
                P result = perf.getPointer(i);
                if (status.applyAsInt(result) == CUDNN_STATUS_SUCCESS) {
                    return new Found(algo.applyAsInt(result), memory.applyAsLong(result));
                }
            }
            throw new EngineException(backend.name() + ": cuDNN found no algorithm that runs this convolution ("
                    + found.get() + " tried)");
        }
    }

    private void cudnn(String call, int status) {
        if (status == CUDNN_STATUS_SUCCESS) {
            return;
        }
        String message = call + " failed: " + cudnnGetErrorString(status).getString() + " (" + status + ")";
        if (status == CUDNN_STATUS_ALLOC_FAILED) {
            throw new OutOfMemoryException(backend.name() + ": " + message, -1, -1);
        }
        throw new EngineException("device error on " + backend.name() + ": " + message);
    }

    private void cublas(String call, int status) {
        if (status == CUBLAS_STATUS_SUCCESS) {
            return;
        }
        String message = call + " failed with cuBLAS status " + status;
        if (status == CUBLAS_STATUS_ALLOC_FAILED) {
            throw new OutOfMemoryException(backend.name() + ": " + message, -1, -1);
        }
        throw new EngineException("device error on " + backend.name() + ": " + message);
    }

}
