package dev.tdsr.engine;

import dev.tdsr.engine.jni.Tdsr;
import dev.tdsr.engine.jni.Tdsr.tdsr_tensor;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * A backend over the engine's flat C API ({@link Tdsr}): tensors are created on this backend's device and every op
 * runs the twin of that device (the C++/OpenMP/OpenBLAS kernels, or the CUDA library's once it has registered).
 * {@link CpuBackend} and the CUDA backend differ only in the device and in what they describe.
 */
public abstract class NativeBackend implements Backend {
    /** The device code of the C API: {@link #CPU_DEVICE} or a CUDA ordinal. */
    protected final int device;

    static final int CPU_DEVICE = -1;

    protected NativeBackend(int device) {
        this.device = device;
    }

    /** The native handle of a tensor of this backend. */
    protected final tdsr_tensor handle(Tensor t) {
        if (t == null) {
            return null;
        }
        if (t.backend() != this) {
            throw new InvalidTensorArgumentException("tensor " + t + " belongs to " + t.backend().name()
                    + ", not to " + name() + " (copy it first: Backend.copy moves tensors between devices)");
        }
        return (tdsr_tensor) t.handle();
    }

    /** The address of a tensor's first element on its device (a device pointer on a GPU), for cuDNN and cuBLAS. */
    protected final Pointer devicePointer(Tensor t) {
        return Tdsr.tdsr_tensor_data(handle(t));
    }

    protected static void check(int status) {
        Status.check(status);
    }

    /** The caching allocator of this backend's device, in one line (allocated, reserved, peak, raw allocations). */
    public String memoryStats() {
        return Tdsr.tdsr_memory_describe(device);
    }

    /** Allocator figures: allocated, reserved, peak allocated, peak reserved bytes, raw allocations and releases. */
    public MemoryStats memory() {
        long[] v = new long[6];
        check(Tdsr.tdsr_memory_stats(device, v));
        return new MemoryStats(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    /** Returns the cached blocks no tensor uses to the system. */
    public void emptyCache() {
        check(Tdsr.tdsr_memory_empty_cache(device));
    }

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        try (PointerPointer<tdsr_tensor> out = new PointerPointer<>(1)) {
            check(Tdsr.tdsr_tensor_create(device, dtype.code, shape.length, shape, out));
            tdsr_tensor handle = new tdsr_tensor(out.get(0));
            return new Tensor(this, dtype, shape, handle, () -> Tdsr.tdsr_tensor_free(handle));
        }
    }

    @Override
    public Tensor view(Tensor base, long offset, long... shape) {
        try (PointerPointer<tdsr_tensor> out = new PointerPointer<>(1)) {
            check(Tdsr.tdsr_tensor_view(handle(base), offset, shape.length, shape, out));
            tdsr_tensor handle = new tdsr_tensor(out.get(0));
            return new Tensor(this, base.dtype(), shape, handle, () -> Tdsr.tdsr_tensor_free(handle));
        }
    }

    private static void checkCount(Tensor t, int length) {
        if (length != t.numel()) {
            throw new InvalidTensorArgumentException(
                    "write: " + length + " values for tensor " + t + " of " + t.numel() + " elements");
        }
    }

    @Override
    public void write(Tensor t, float[] values) {
        checkCount(t, values.length);
        check(Tdsr.tdsr_tensor_write_f32(handle(t), values, 0, values.length));
    }

    @Override
    public void write(Tensor t, double[] values) {
        checkCount(t, values.length);
        check(Tdsr.tdsr_tensor_write_f64(handle(t), values, 0, values.length));
    }

    @Override
    public void write(Tensor t, int[] values) {
        checkCount(t, values.length);
        check(Tdsr.tdsr_tensor_write_i32(handle(t), values, 0, values.length));
    }

    @Override
    public float[] readFloats(Tensor t) {
        float[] out = new float[Math.toIntExact(t.numel())];
        check(Tdsr.tdsr_tensor_read_f32(handle(t), out, 0, out.length));
        return out;
    }

    @Override
    public double[] readDoubles(Tensor t) {
        double[] out = new double[Math.toIntExact(t.numel())];
        check(Tdsr.tdsr_tensor_read_f64(handle(t), out, 0, out.length));
        return out;
    }

    @Override
    public int[] readInts(Tensor t) {
        int[] out = new int[Math.toIntExact(t.numel())];
        check(Tdsr.tdsr_tensor_read_i32(handle(t), out, 0, out.length));
        return out;
    }

    @Override
    public void fill(Tensor t, double value) {
        check(Tdsr.tdsr_tensor_fill(handle(t), value));
    }

    /** The one op that crosses devices: {@code src} may live on any native backend (host <-> GPU copies). */
    @Override
    public void copy(Tensor dst, Tensor src) {
        if (src != null && !(src.backend() instanceof NativeBackend)) {
            throw new InvalidTensorArgumentException("copy: tensor " + src + " is not a native engine tensor");
        }
        check(Tdsr.tdsr_tensor_copy(handle(dst), src == null ? null : (tdsr_tensor) src.handle()));
    }

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvSpec s) {
        check(Tdsr.tdsr_conv2d_forward(handle(x), handle(w), handle(b), handle(y), s.strideH(), s.strideW(), s.padH(), s.padW(),
                s.dilationH(), s.dilationW()));
    }

    @Override
    public void conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, ConvSpec s) {
        check(Tdsr.tdsr_conv2d_backward_input(handle(dy), handle(w), handle(dx), s.strideH(), s.strideW(), s.padH(), s.padW(),
                s.dilationH(), s.dilationW()));
    }

    @Override
    public void conv2dBackwardParams(Tensor dy, Tensor x, Tensor dw, Tensor db, ConvSpec s) {
        check(Tdsr.tdsr_conv2d_backward_params(handle(dy), handle(x), handle(dw), handle(db), s.strideH(), s.strideW(), s.padH(), s.padW(),
                s.dilationH(), s.dilationW()));
    }

    protected static void requireNoDilation(String op, ConvSpec s) {
        if (s.dilationH() != 1 || s.dilationW() != 1) {
            throw new InvalidTensorArgumentException(op + ": dilation " + s.dilationH() + "x" + s.dilationW()
                    + " is not supported for transposed convolutions (must be 1)");
        }
    }

    @Override
    public void deconv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvSpec s) {
        requireNoDilation("deconv2d_forward", s);
        check(Tdsr.tdsr_deconv2d_forward(handle(x), handle(w), handle(b), handle(y), s.strideH(), s.strideW(), s.padH(), s.padW()));
    }

    @Override
    public void deconv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, ConvSpec s) {
        requireNoDilation("deconv2d_backward_input", s);
        check(Tdsr.tdsr_deconv2d_backward_input(handle(dy), handle(w), handle(dx), s.strideH(), s.strideW(), s.padH(), s.padW()));
    }

    @Override
    public void deconv2dBackwardParams(Tensor dy, Tensor x, Tensor dw, Tensor db, ConvSpec s) {
        requireNoDilation("deconv2d_backward_params", s);
        check(Tdsr.tdsr_deconv2d_backward_params(handle(dy), handle(x), handle(dw), handle(db), s.strideH(), s.strideW(), s.padH(),
                s.padW()));
    }

    @Override
    public void preluForward(Tensor x, Tensor alpha, Tensor y) {
        check(Tdsr.tdsr_prelu_forward(handle(x), handle(alpha), handle(y)));
    }

    @Override
    public void preluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha) {
        check(Tdsr.tdsr_prelu_backward(handle(x), handle(alpha), handle(dy), handle(dx), handle(dalpha)));
    }

    @Override
    public void reluForward(Tensor x, Tensor y) {
        check(Tdsr.tdsr_relu_forward(handle(x), handle(y)));
    }

    @Override
    public void reluBackward(Tensor x, Tensor dy, Tensor dx) {
        check(Tdsr.tdsr_relu_backward(handle(x), handle(dy), handle(dx)));
    }

    @Override
    public void maxPool2dForward(Tensor x, Tensor y, PoolSpec p) {
        check(Tdsr.tdsr_maxpool2d_forward(handle(x), handle(y), p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(),
                p.padW(), p.ceilMode() ? 1 : 0));
    }

    @Override
    public void maxPool2dBackward(Tensor x, Tensor dy, Tensor dx, PoolSpec p) {
        check(Tdsr.tdsr_maxpool2d_backward(handle(x), handle(dy), handle(dx), p.kernelH(), p.kernelW(), p.strideH(), p.strideW(),
                p.padH(), p.padW(), p.ceilMode() ? 1 : 0));
    }

    @Override
    public void l2NormForward(Tensor x, Tensor scale, Tensor y, double eps) {
        check(Tdsr.tdsr_l2norm_forward(handle(x), handle(scale), handle(y), eps));
    }

    @Override
    public void l2NormBackward(Tensor x, Tensor scale, Tensor dy, Tensor dx, Tensor dscale, double eps) {
        check(Tdsr.tdsr_l2norm_backward(handle(x), handle(scale), handle(dy), handle(dx), handle(dscale), eps));
    }

    private PointerPointer<tdsr_tensor> handles(List<Tensor> ts) {
        PointerPointer<tdsr_tensor> pp = new PointerPointer<>(ts.size());
        for (int i = 0; i < ts.size(); i++) {
            pp.put(i, handle(ts.get(i)));
        }
        return pp;
    }

    @Override
    public void concatChannels(List<Tensor> inputs, Tensor y) {
        try (PointerPointer<tdsr_tensor> pp = handles(inputs)) {
            check(Tdsr.tdsr_concat_channels(inputs.size(), pp, handle(y)));
        }
    }

    @Override
    public void splitChannels(Tensor y, List<Tensor> outputs, boolean accumulate) {
        try (PointerPointer<tdsr_tensor> pp = handles(outputs)) {
            check(Tdsr.tdsr_split_channels(handle(y), outputs.size(), pp, accumulate ? 1 : 0));
        }
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor y) {
        check(Tdsr.tdsr_add(handle(a), handle(b), handle(y)));
    }

    @Override
    public void sub(Tensor a, Tensor b, Tensor y) {
        check(Tdsr.tdsr_sub(handle(a), handle(b), handle(y)));
    }

    @Override
    public void scale(Tensor x, double s, Tensor y) {
        check(Tdsr.tdsr_scale(handle(x), s, handle(y)));
    }

    @Override
    public void axpy(double alpha, Tensor x, Tensor y) {
        check(Tdsr.tdsr_axpy(alpha, handle(x), handle(y)));
    }

    @Override
    public void channelAffineForward(Tensor x, Tensor a, Tensor b, Tensor y) {
        check(Tdsr.tdsr_channel_affine_forward(handle(x), handle(a), handle(b), handle(y)));
    }

    @Override
    public void channelAffineBackward(Tensor x, Tensor a, Tensor dy, Tensor dx, Tensor da, Tensor db) {
        check(Tdsr.tdsr_channel_affine_backward(handle(x), handle(a), handle(dy), handle(dx), handle(da), handle(db)));
    }

    @Override
    public double mseForward(Tensor a, Tensor b) {
        double[] out = new double[1];
        check(Tdsr.tdsr_mse_forward(handle(a), handle(b), out));
        return out[0];
    }

    @Override
    public void mseBackward(Tensor a, Tensor b, double scale, Tensor da) {
        check(Tdsr.tdsr_mse_backward(handle(a), handle(b), scale, handle(da)));
    }

    @Override
    public double smoothL1Forward(Tensor x, Tensor target, Tensor weight) {
        double[] out = new double[1];
        check(Tdsr.tdsr_smooth_l1_forward(handle(x), handle(target), handle(weight), out));
        return out[0];
    }

    @Override
    public void smoothL1Backward(Tensor x, Tensor target, Tensor weight, double scale, Tensor dx) {
        check(Tdsr.tdsr_smooth_l1_backward(handle(x), handle(target), handle(weight), scale, handle(dx)));
    }

    @Override
    public void mseForwardTo(Tensor a, Tensor b, Tensor slots, int at, double divisor) {
        check(Tdsr.tdsr_mse_forward_to(handle(a), handle(b), handle(slots), at, divisor));
    }

    @Override
    public void smoothL1ForwardTo(Tensor x, Tensor target, Tensor weight, Tensor slots, int at, double divisor) {
        check(Tdsr.tdsr_smooth_l1_forward_to(handle(x), handle(target), handle(weight), handle(slots), at, divisor));
    }

    @Override
    public void weightedSumTo(Tensor x, Tensor w, Tensor slots, int at, double divisor) {
        check(Tdsr.tdsr_weighted_sum_to(handle(x), handle(w), handle(slots), at, divisor));
    }

    @Override
    public void softmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor rowLoss) {
        check(Tdsr.tdsr_softmax_xent_forward(handle(logits), handle(labels), handle(rowLoss)));
    }

    @Override
    public void softmaxCrossEntropyBackward(Tensor logits, Tensor labels, Tensor rowWeight, Tensor dlogits) {
        check(Tdsr.tdsr_softmax_xent_backward(handle(logits), handle(labels), handle(rowWeight), handle(dlogits)));
    }

    @Override
    public void softmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor rowLoss, Tensor flags, int at) {
        check(Tdsr.tdsr_softmax_xent_forward_flagged(handle(logits), handle(labels), handle(rowLoss), handle(flags),
                at));
    }

    @Override
    public void softmaxCrossEntropyBackward(Tensor logits, Tensor labels, Tensor rowWeight, Tensor dlogits,
            Tensor flags, int at) {
        check(Tdsr.tdsr_softmax_xent_backward_flagged(handle(logits), handle(labels), handle(rowWeight),
                handle(dlogits), handle(flags), at));
    }

    @Override
    public void softmaxRows(Tensor logits, Tensor probs) {
        check(Tdsr.tdsr_softmax_rows(handle(logits), handle(probs)));
    }

    @Override
    public void mineHardNegatives(Tensor rowLoss, Tensor labels, int images, int negPos, Tensor selected) {
        check(Tdsr.tdsr_mine_hard_negatives(handle(rowLoss), handle(labels), images, negPos, handle(selected)));
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor momentumBuffer, Tensor proceed, Tensor hyper, double lr,
            double momentum, double weightDecay) {
        check(Tdsr.tdsr_sgd_step(handle(param), handle(grad), handle(momentumBuffer), handle(proceed), handle(hyper), lr,
                momentum, weightDecay));
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor proceed, Tensor hyper, long step,
            double lr, double beta1, double beta2, double eps, double weightDecay) {
        check(Tdsr.tdsr_adam_step(handle(param), handle(grad), handle(m), handle(v), handle(proceed), handle(hyper), step,
                lr, beta1, beta2, eps, weightDecay));
    }

    @Override
    public double sum(Tensor x) {
        double[] out = new double[1];
        check(Tdsr.tdsr_sum(handle(x), out));
        return out[0];
    }

    @Override
    public boolean allFinite(Tensor x) {
        int[] out = new int[1];
        check(Tdsr.tdsr_all_finite(handle(x), out));
        return out[0] != 0;
    }

    @Override
    public void finiteFlag(Tensor x, Tensor flag) {
        check(Tdsr.tdsr_finite_flag(handle(x), handle(flag)));
    }

    @Override
    public void gemm(Tensor a, Tensor b, Tensor c) {
        check(Tdsr.tdsr_gemm(handle(a), handle(b), handle(c)));
    }

    @Override
    public void nchwToRows(Tensor x, Tensor rows, long offset) {
        check(Tdsr.tdsr_nchw_to_rows(handle(x), handle(rows), offset));
    }

    @Override
    public void rowsToNchw(Tensor rows, Tensor x, long offset) {
        check(Tdsr.tdsr_rows_to_nchw(handle(rows), handle(x), offset));
    }

    @Override
    public void crop2dForward(Tensor x, Tensor y, long top, long left) {
        check(Tdsr.tdsr_crop2d_forward(handle(x), handle(y), top, left));
    }

    @Override
    public void crop2dBackward(Tensor dy, Tensor dx, long top, long left) {
        check(Tdsr.tdsr_crop2d_backward(handle(dy), handle(dx), top, left));
    }

    @Override
    public void leakyReluForward(Tensor x, Tensor y, double slope) {
        check(Tdsr.tdsr_leaky_relu_forward(handle(x), handle(y), slope));
    }

    @Override
    public void leakyReluBackward(Tensor x, Tensor dy, Tensor dx, double slope) {
        check(Tdsr.tdsr_leaky_relu_backward(handle(x), handle(dy), handle(dx), slope));
    }

    @Override
    public void batchNormForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            Tensor saveMean, Tensor saveInvstd, Tensor y, boolean training, double momentum, double eps) {
        check(Tdsr.tdsr_batchnorm_forward(handle(x), handle(gamma), handle(beta), handle(runningMean),
                handle(runningVar), handle(saveMean), handle(saveInvstd), handle(y), training ? 1 : 0, momentum, eps));
    }

    @Override
    public void batchNormBackward(Tensor x, Tensor gamma, Tensor saveMean, Tensor saveInvstd, Tensor dy, Tensor dx,
            Tensor dgamma, Tensor dbeta, boolean training) {
        check(Tdsr.tdsr_batchnorm_backward(handle(x), handle(gamma), handle(saveMean), handle(saveInvstd), handle(dy),
                handle(dx), handle(dgamma), handle(dbeta), training ? 1 : 0));
    }

    @Override
    public double bceLogitsForward(Tensor x, Tensor target) {
        double[] out = new double[1];
        check(Tdsr.tdsr_bce_logits_forward(handle(x), handle(target), out));
        return out[0];
    }

    @Override
    public void bceLogitsBackward(Tensor x, Tensor target, double scale, Tensor dx) {
        check(Tdsr.tdsr_bce_logits_backward(handle(x), handle(target), scale, handle(dx)));
    }

    @Override
    public void pixelShuffleForward(Tensor x, Tensor y, int r) {
        check(Tdsr.tdsr_pixel_shuffle_forward(handle(x), handle(y), r));
    }

    @Override
    public void pixelShuffleBackward(Tensor dy, Tensor dx, int r) {
        check(Tdsr.tdsr_pixel_shuffle_backward(handle(dy), handle(dx), r));
    }
}
