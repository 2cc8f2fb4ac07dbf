package dev.tdsr.engine;

import java.util.List;

/**
 * Where tensors live and ops run: {@link CpuBackend}, or a {@link CudaBackend} per GPU, both over the one C API
 * ({@link NativeBackend}). Every method is one native call on whole tensors; all tensors passed to one call must
 * belong to this backend, except {@link #copy}, which moves a tensor between devices.
 *
 * <p>Gradient contract (as in the C API, {@code src/main/cpp/tdsr.h}): input gradients are overwritten, parameter
 * gradients are accumulated. Parameter gradients are separate calls ({@code *BackwardParams}), so a frozen layer
 * never pays for them.
 */
public interface Backend {
    /** "cpu", "cuda:0", ... */
    String name();

    /** One line for {@code info}: library, threads, BLAS or device. */
    String describe();

    Tensor allocate(DType dtype, long... shape);

    default Tensor allocate(long... shape) {
        return allocate(DType.F32, shape);
    }

    Tensor view(Tensor base, long offset, long... shape);

    void write(Tensor t, float[] values);

    /** A stream for one trainer or predictor (see {@link ComputeStream}); the CPU's binds nothing. */
    default ComputeStream openStream() {
        return ComputeStream.NONE;
    }

    /**
     * Starts copying {@code values} (all of {@code t}) into {@code t}: on a GPU through pinned staging memory on a copy
     * stream, overlapping the work already queued, and ordered before the calling thread's later ops by
     * {@link #joinStaged()}; on the CPU a plain {@link #write}. A trainer stages batch k+1, then runs step k.
     */
    default void stage(Tensor t, float[] values) {
        write(t, values);
    }

    /** Makes the calling thread's later ops wait (on the device, not the host) for every copy staged so far. */
    default void joinStaged() {}

    void write(Tensor t, double[] values);

    void write(Tensor t, int[] values);

    float[] readFloats(Tensor t);

    double[] readDoubles(Tensor t);

    int[] readInts(Tensor t);

    void fill(Tensor t, double value);

    /** dst = src (same dtype and element count); src may live on another device: the host <-> GPU copy. */
    void copy(Tensor dst, Tensor src);

    // ---- convolution ([N,C,H,W]; weight [Cout,Cin,kh,kw]; bias may be null) ----
    void conv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvSpec s);

    void conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, ConvSpec s);

    /** dw += ..., db += ...; either may be null. */
    void conv2dBackwardParams(Tensor dy, Tensor x, Tensor dw, Tensor db, ConvSpec s);

    // ---- transposed convolution (weight [Cin,Cout,kh,kw] as PyTorch stores it) ----
    void deconv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvSpec s);

    void deconv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, ConvSpec s);

    void deconv2dBackwardParams(Tensor dy, Tensor x, Tensor dw, Tensor db, ConvSpec s);

    // ---- activations ----
    void preluForward(Tensor x, Tensor alpha, Tensor y);

    /** dx overwritten (may be null), dalpha accumulated (may be null). */
    void preluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha);

    void reluForward(Tensor x, Tensor y);

    void reluBackward(Tensor x, Tensor dy, Tensor dx);

    /** y = x > 0 ? x : slope * x, slope in [0,1) (the SRGAN discriminator's 0.2). */
    void leakyReluForward(Tensor x, Tensor y, double slope);

    /** dx overwritten; x may be the forward output. */
    void leakyReluBackward(Tensor x, Tensor dy, Tensor dx, double slope);

    // ---- pooling and normalisation ----
    void maxPool2dForward(Tensor x, Tensor y, PoolSpec p);

    void maxPool2dBackward(Tensor x, Tensor dy, Tensor dx, PoolSpec p);

    void l2NormForward(Tensor x, Tensor scale, Tensor y, double eps);

    void l2NormBackward(Tensor x, Tensor scale, Tensor dy, Tensor dx, Tensor dscale, double eps);

    /**
     * Batch norm over [N,C,...] per channel; all parameter and statistics tensors [C]. Training: the batch statistics
     * normalise and the running ones move by {@code momentum}; inference: the running ones normalise. The mean and
     * 1/sqrt(var + eps) used are written into saveMean/saveInvstd for the backward.
     */
    void batchNormForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            Tensor saveMean, Tensor saveInvstd, Tensor y, boolean training, double momentum, double eps);

    /** dx overwritten (may be null); dgamma, dbeta accumulated (may be null); {@code training} as in the forward. */
    void batchNormBackward(Tensor x, Tensor gamma, Tensor saveMean, Tensor saveInvstd, Tensor dy, Tensor dx,
            Tensor dgamma, Tensor dbeta, boolean training);

    // ---- channel concat/split ----
    void concatChannels(List<Tensor> inputs, Tensor y);

    void splitChannels(Tensor y, List<Tensor> outputs, boolean accumulate);

    // ---- elementwise ----
    void add(Tensor a, Tensor b, Tensor y);

    void sub(Tensor a, Tensor b, Tensor y);

    void scale(Tensor x, double s, Tensor y);

    /** y += alpha * x */
    void axpy(double alpha, Tensor x, Tensor y);

    /** y = x * a[c] + b[c] per channel; a or b may be null. */
    void channelAffineForward(Tensor x, Tensor a, Tensor b, Tensor y);

    void channelAffineBackward(Tensor x, Tensor a, Tensor dy, Tensor dx, Tensor da, Tensor db);

    /**
     * {@code y = factor[0] * x} with {@code factor} a one-element tensor of x's dtype on x's device, read there: a loss
     * weight that changes between replays of a CUDA graph (a scalar argument would be frozen in it). It is the channel
     * affine with one channel; {@code y} may be {@code x}.
     */
    default void scaleBy(Tensor x, Tensor factor, Tensor y) {
        channelAffineForward(x.reshape(1, 1, x.numel()), factor, null, y.reshape(1, 1, y.numel()));
    }

    // ---- losses ----
    double mseForward(Tensor a, Tensor b);

    /** da = scale * d mean((a-b)^2) / da */
    void mseBackward(Tensor a, Tensor b, double scale, Tensor da);

    /** sum_i w_i smoothL1(x_i - t_i); weight may be null. */
    double smoothL1Forward(Tensor x, Tensor target, Tensor weight);

    void smoothL1Backward(Tensor x, Tensor target, Tensor weight, double scale, Tensor dx);

    /**
     * Loss slots (tdsr.h): {@code slots} (F64, on the inputs' device) element {@code at} = mean((a-b)^2) / divisor,
     * without a host read; a step reads all its slots once.
     */
    void mseForwardTo(Tensor a, Tensor b, Tensor slots, int at, double divisor);

    /** slots[at] = smoothL1Forward(x, target, weight) / divisor, without a host read. */
    void smoothL1ForwardTo(Tensor x, Tensor target, Tensor weight, Tensor slots, int at, double divisor);

    /** slots[at] = sum_i w_i x_i / divisor (double accumulation), without a host read. */
    void weightedSumTo(Tensor x, Tensor w, Tensor slots, int at, double divisor);

    void softmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor rowLoss);

    void softmaxCrossEntropyBackward(Tensor logits, Tensor labels, Tensor rowWeight, Tensor dlogits);

    /**
     * {@link #softmaxCrossEntropyForward} without a host read (a CUDA graph captures it): instead of failing on a label
     * outside [0,C) it stores the first such row into {@code flags[at]} (F64, same device), -1 when every label is in
     * range, and skips the bad rows. The caller reads the flag with its losses.
     */
    void softmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor rowLoss, Tensor flags, int at);

    /** {@link #softmaxCrossEntropyBackward} with the label check into {@code flags[at]} as the flagged forward. */
    void softmaxCrossEntropyBackward(Tensor logits, Tensor labels, Tensor rowWeight, Tensor dlogits, Tensor flags,
            int at);

    void softmaxRows(Tensor logits, Tensor probs);

    /**
     * Hard-negative mining of SSD's MultiBoxLoss: {@code selected} [images*P] = 1 on every positive ({@code labels}
     * i32 > 0) and on the min(negPos * positives, P-1) priors of each image that rank highest, positives ranking 0 and
     * the others by {@code rowLoss} in {@link Double#compare} order, equal ranks to the lower prior; 0 elsewhere. On a
     * GPU nothing is read back to the host.
     */
    void mineHardNegatives(Tensor rowLoss, Tensor labels, int images, int negPos, Tensor selected);

    /** Sigmoid binary cross-entropy of logits x against targets in [0,1], mean over elements. */
    double bceLogitsForward(Tensor x, Tensor target);

    /** dx = scale * d bceLogitsForward / dx (overwritten). */
    void bceLogitsBackward(Tensor x, Tensor target, double scale, Tensor dx);

    // ---- optimizers (whole parameter slabs, in place) ----
    /**
     * {@code proceed}: null, or a one-element tensor of the param's dtype on its device ({@link #finiteFlag}'s flag);
     * where it holds 0 nothing changes, which is the NaN guard decided on the device. {@code hyper}: null, or an F64
     * tensor {lr, step} on the param's device, read there instead of {@code lr} and {@code step} (a CUDA graph then
     * replays with the values it holds at each replay).
     */
    void sgdStep(Tensor param, Tensor grad, Tensor momentumBuffer, Tensor proceed, Tensor hyper, double lr,
            double momentum, double weightDecay);

    /** {@code proceed} and {@code hyper} as for {@link #sgdStep}. */
    void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor proceed, Tensor hyper, long step, double lr,
            double beta1, double beta2, double eps, double weightDecay);

    // ---- reductions ----
    double sum(Tensor x);

    boolean allFinite(Tensor x);

    /**
     * flag [1] (x's dtype and device) becomes 0 if any element of x is NaN or infinite and keeps its value otherwise:
     * an AND that stays on the device (no host synchronisation on a GPU).
     */
    void finiteFlag(Tensor x, Tensor flag);

    /** C = A B (row-major): the bicubic upscale of D-DBPN's global residual, and the benchmarks' sgemm reference. */
    void gemm(Tensor a, Tensor b, Tensor c);

    // ---- layout of the SSD heads ----
    /** rows[n, offset + (h*W+w)*C + c] = x[n,c,h,w]: NCHW to NHWC into a per-image slice of rows (dim 0 = N). */
    void nchwToRows(Tensor x, Tensor rows, long offset);

    /** The adjoint of {@link #nchwToRows}: x (overwritten) gathered from the slice of rows. */
    void rowsToNchw(Tensor rows, Tensor x, long offset);

    /** y = the window of x at (top, left) with y's height and width. */
    void crop2dForward(Tensor x, Tensor y, long top, long left);

    /** The adjoint of {@link #crop2dForward}: dy into that window of dx, zeros elsewhere (dx overwritten). */
    void crop2dBackward(Tensor dy, Tensor dx, long top, long left);

    /** PyTorch's PixelShuffle: x [N, C*r*r, H, W] to y [N, C, H*r, W*r]. */
    void pixelShuffleForward(Tensor x, Tensor y, int r);

    /** The inverse permutation: dy [N, C, H*r, W*r] into dx [N, C*r*r, H, W] (overwritten). */
    void pixelShuffleBackward(Tensor dy, Tensor dx, int r);
}
