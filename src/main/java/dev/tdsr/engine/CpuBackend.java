package dev.tdsr.engine;

import dev.tdsr.engine.nat.Cpu;
import dev.tdsr.engine.nat.Cpu.tdsr_tensor;
import java.util.List;
import org.bytedeco.javacpp.PointerPointer;

/** The CPU backend: the C++ engine ({@code libtdsr_cpu.so}, OpenMP + OpenBLAS) through {@link Cpu}. */
public final class CpuBackend implements Backend {
    private static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    /** The process-wide CPU backend; loads the native library on first use. */
    public static CpuBackend get() {
        Engine.ensureLoaded();
        return INSTANCE;
    }

    private static tdsr_tensor h(Tensor t) {
        if (t == null) {
            return null;
        }
        if (t.backend() != INSTANCE) {
            throw new InvalidTensorArgumentException("tensor " + t + " does not belong to the CPU backend");
        }
        return (tdsr_tensor) t.handle();
    }

    private static void check(int status) {
        Status.check(status);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String describe() {
        return "cpu (" + Engine.threads() + " threads, " + Cpu.tdsr_blas_info() + ")";
    }

    @Override
    public Tensor allocate(DType dtype, long... shape) {
        try (PointerPointer<tdsr_tensor> out = new PointerPointer<>(1)) {
            check(Cpu.tdsr_tensor_create(dtype.code, shape.length, shape, out));
            tdsr_tensor handle = new tdsr_tensor(out.get(0));
            return new Tensor(this, dtype, shape, handle, () -> Cpu.tdsr_tensor_free(handle));
        }
    }

    @Override
    public Tensor view(Tensor base, long offset, long... shape) {
        try (PointerPointer<tdsr_tensor> out = new PointerPointer<>(1)) {
            check(Cpu.tdsr_tensor_view(h(base), offset, shape.length, shape, out));
            tdsr_tensor handle = new tdsr_tensor(out.get(0));
            return new Tensor(this, base.dtype(), shape, handle, () -> Cpu.tdsr_tensor_free(handle));
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
        check(Cpu.tdsr_tensor_write_f32(h(t), values, 0, values.length));
    }

    @Override
    public void write(Tensor t, double[] values) {
        checkCount(t, values.length);
        check(Cpu.tdsr_tensor_write_f64(h(t), values, 0, values.length));
    }

    @Override
    public void write(Tensor t, int[] values) {
        checkCount(t, values.length);
        check(Cpu.tdsr_tensor_write_i32(h(t), values, 0, values.length));
    }

    @Override
    public float[] readFloats(Tensor t) {
        float[] out = new float[Math.toIntExact(t.numel())];
        check(Cpu.tdsr_tensor_read_f32(h(t), out, 0, out.length));
        return out;
    }

    @Override
    public double[] readDoubles(Tensor t) {
        double[] out = new double[Math.toIntExact(t.numel())];
        check(Cpu.tdsr_tensor_read_f64(h(t), out, 0, out.length));
        return out;
    }

    @Override
    public int[] readInts(Tensor t) {
        int[] out = new int[Math.toIntExact(t.numel())];
        check(Cpu.tdsr_tensor_read_i32(h(t), out, 0, out.length));
        return out;
    }

    @Override
    public void fill(Tensor t, double value) {
        check(Cpu.tdsr_tensor_fill(h(t), value));
    }

    @Override
    public void copy(Tensor dst, Tensor src) {
        check(Cpu.tdsr_tensor_copy(h(dst), h(src)));
    }

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvSpec s) {
        check(Cpu.tdsr_conv2d_forward(h(x), h(w), h(b), h(y), s.strideH(), s.strideW(), s.padH(), s.padW(),
                s.dilationH(), s.dilationW()));
    }

    @Override
    public void conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, ConvSpec s) {
        check(Cpu.tdsr_conv2d_backward_input(h(dy), h(w), h(dx), s.strideH(), s.strideW(), s.padH(), s.padW(),
                s.dilationH(), s.dilationW()));
    }

    @Override
    public void conv2dBackwardParams(Tensor dy, Tensor x, Tensor dw, Tensor db, ConvSpec s) {
        check(Cpu.tdsr_conv2d_backward_params(h(dy), h(x), h(dw), h(db), s.strideH(), s.strideW(), s.padH(), s.padW(),
                s.dilationH(), s.dilationW()));
    }

    private static void requireNoDilation(String op, ConvSpec s) {
        if (s.dilationH() != 1 || s.dilationW() != 1) {
            throw new InvalidTensorArgumentException(op + ": dilation " + s.dilationH() + "x" + s.dilationW()
                    + " is not supported for transposed convolutions (must be 1)");
        }
    }

    @Override
    public void deconv2dForward(Tensor x, Tensor w, Tensor b, Tensor y, ConvSpec s) {
        requireNoDilation("deconv2d_forward", s);
        check(Cpu.tdsr_deconv2d_forward(h(x), h(w), h(b), h(y), s.strideH(), s.strideW(), s.padH(), s.padW()));
    }

    @Override
    public void deconv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, ConvSpec s) {
        requireNoDilation("deconv2d_backward_input", s);
        check(Cpu.tdsr_deconv2d_backward_input(h(dy), h(w), h(dx), s.strideH(), s.strideW(), s.padH(), s.padW()));
    }

    @Override
    public void deconv2dBackwardParams(Tensor dy, Tensor x, Tensor dw, Tensor db, ConvSpec s) {
        requireNoDilation("deconv2d_backward_params", s);
        check(Cpu.tdsr_deconv2d_backward_params(h(dy), h(x), h(dw), h(db), s.strideH(), s.strideW(), s.padH(),
                s.padW()));
    }

    @Override
    public void preluForward(Tensor x, Tensor alpha, Tensor y) {
        check(Cpu.tdsr_prelu_forward(h(x), h(alpha), h(y)));
    }

    @Override
    public void preluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha) {
        check(Cpu.tdsr_prelu_backward(h(x), h(alpha), h(dy), h(dx), h(dalpha)));
    }

    @Override
    public void reluForward(Tensor x, Tensor y) {
        check(Cpu.tdsr_relu_forward(h(x), h(y)));
    }

    @Override
    public void reluBackward(Tensor x, Tensor dy, Tensor dx) {
        check(Cpu.tdsr_relu_backward(h(x), h(dy), h(dx)));
    }

    @Override
    public void maxPool2dForward(Tensor x, Tensor y, PoolSpec p) {
        check(Cpu.tdsr_maxpool2d_forward(h(x), h(y), p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(),
                p.padW(), p.ceilMode() ? 1 : 0));
    }

    @Override
    public void maxPool2dBackward(Tensor x, Tensor dy, Tensor dx, PoolSpec p) {
        check(Cpu.tdsr_maxpool2d_backward(h(x), h(dy), h(dx), p.kernelH(), p.kernelW(), p.strideH(), p.strideW(),
                p.padH(), p.padW(), p.ceilMode() ? 1 : 0));
    }

    @Override
    public void l2NormForward(Tensor x, Tensor scale, Tensor y, double eps) {
        check(Cpu.tdsr_l2norm_forward(h(x), h(scale), h(y), eps));
    }

    @Override
    public void l2NormBackward(Tensor x, Tensor scale, Tensor dy, Tensor dx, Tensor dscale, double eps) {
        check(Cpu.tdsr_l2norm_backward(h(x), h(scale), h(dy), h(dx), h(dscale), eps));
    }

    private static PointerPointer<tdsr_tensor> handles(List<Tensor> ts) {
        PointerPointer<tdsr_tensor> pp = new PointerPointer<>(ts.size());
        for (int i = 0; i < ts.size(); i++) {
            pp.put(i, h(ts.get(i)));
        }
        return pp;
    }

    @Override
    public void concatChannels(List<Tensor> inputs, Tensor y) {
        try (PointerPointer<tdsr_tensor> pp = handles(inputs)) {
            check(Cpu.tdsr_concat_channels(inputs.size(), pp, h(y)));
        }
    }

    @Override
    public void splitChannels(Tensor y, List<Tensor> outputs, boolean accumulate) {
        try (PointerPointer<tdsr_tensor> pp = handles(outputs)) {
            check(Cpu.tdsr_split_channels(h(y), outputs.size(), pp, accumulate ? 1 : 0));
        }
    }

    @Override
    public void add(Tensor a, Tensor b, Tensor y) {
        check(Cpu.tdsr_add(h(a), h(b), h(y)));
    }

    @Override
    public void sub(Tensor a, Tensor b, Tensor y) {
        check(Cpu.tdsr_sub(h(a), h(b), h(y)));
    }

    @Override
    public void scale(Tensor x, double s, Tensor y) {
        check(Cpu.tdsr_scale(h(x), s, h(y)));
    }

    @Override
    public void axpy(double alpha, Tensor x, Tensor y) {
        check(Cpu.tdsr_axpy(alpha, h(x), h(y)));
    }

    @Override
    public void channelAffineForward(Tensor x, Tensor a, Tensor b, Tensor y) {
        check(Cpu.tdsr_channel_affine_forward(h(x), h(a), h(b), h(y)));
    }

    @Override
    public void channelAffineBackward(Tensor x, Tensor a, Tensor dy, Tensor dx, Tensor da, Tensor db) {
        check(Cpu.tdsr_channel_affine_backward(h(x), h(a), h(dy), h(dx), h(da), h(db)));
    }

    @Override
    public double mseForward(Tensor a, Tensor b) {
        double[] out = new double[1];
        check(Cpu.tdsr_mse_forward(h(a), h(b), out));
        return out[0];
    }

    @Override
    public void mseBackward(Tensor a, Tensor b, double scale, Tensor da) {
        check(Cpu.tdsr_mse_backward(h(a), h(b), scale, h(da)));
    }

    @Override
    public double smoothL1Forward(Tensor x, Tensor target, Tensor weight) {
        double[] out = new double[1];
        check(Cpu.tdsr_smooth_l1_forward(h(x), h(target), h(weight), out));
        return out[0];
    }

    @Override
    public void smoothL1Backward(Tensor x, Tensor target, Tensor weight, double scale, Tensor dx) {
        check(Cpu.tdsr_smooth_l1_backward(h(x), h(target), h(weight), scale, h(dx)));
    }

    @Override
    public void softmaxCrossEntropyForward(Tensor logits, Tensor labels, Tensor rowLoss) {
        check(Cpu.tdsr_softmax_xent_forward(h(logits), h(labels), h(rowLoss)));
    }

    @Override
    public void softmaxCrossEntropyBackward(Tensor logits, Tensor labels, Tensor rowWeight, Tensor dlogits) {
        check(Cpu.tdsr_softmax_xent_backward(h(logits), h(labels), h(rowWeight), h(dlogits)));
    }

    @Override
    public void softmaxRows(Tensor logits, Tensor probs) {
        check(Cpu.tdsr_softmax_rows(h(logits), h(probs)));
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor momentumBuffer, double lr, double momentum,
            double weightDecay) {
        check(Cpu.tdsr_sgd_step(h(param), h(grad), h(momentumBuffer), lr, momentum, weightDecay));
    }

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, long step, double lr, double beta1,
            double beta2, double eps, double weightDecay) {
        check(Cpu.tdsr_adam_step(h(param), h(grad), h(m), h(v), step, lr, beta1, beta2, eps, weightDecay));
    }

    @Override
    public double sum(Tensor x) {
        double[] out = new double[1];
        check(Cpu.tdsr_sum(h(x), out));
        return out[0];
    }

    @Override
    public boolean allFinite(Tensor x) {
        int[] out = new int[1];
        check(Cpu.tdsr_all_finite(h(x), out));
        return out[0] != 0;
    }

    @Override
    public void gemm(Tensor a, Tensor b, Tensor c) {
        check(Cpu.tdsr_gemm(h(a), h(b), h(c)));
    }

    @Override
    public void nchwToRows(Tensor x, Tensor rows, long offset) {
        check(Cpu.tdsr_nchw_to_rows(h(x), h(rows), offset));
    }

    @Override
    public void rowsToNchw(Tensor rows, Tensor x, long offset) {
        check(Cpu.tdsr_rows_to_nchw(h(rows), h(x), offset));
    }

    @Override
    public void crop2dForward(Tensor x, Tensor y, long top, long left) {
        check(Cpu.tdsr_crop2d_forward(h(x), h(y), top, left));
    }

    @Override
    public void crop2dBackward(Tensor dy, Tensor dx, long top, long left) {
        check(Cpu.tdsr_crop2d_backward(h(dy), h(dx), top, left));
    }
}
