package dev.tdsr.engine.jni;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP glue for the engine's flat C API ({@code src/main/cpp/tdsr.h}, both devices: tensors carry their device and
 * every op runs on theirs); one static native per C function, same names. Nothing outside {@code dev.tdsr.engine} uses this class: {@link dev.tdsr.engine.CpuBackend} wraps it,
 * checks every status and turns failures into exceptions.
 *
 * <p>The OpenBLAS runtime (from the org.bytedeco:openblas preset, copied next to our library by CMake) and libgomp
 * are preloaded from the jar, so the engine needs nothing installed on the machine. libtdsr_omp_env comes before
 * libgomp (it sets OMP_WAIT_POLICY=passive, read once when libgomp loads); oneDNN and libtdsr_dnnl come last and
 * may fail to load (libtdsr_cpu then runs its own convolution cores); libOpenCL.so.1, which libdnnl.so.3 links, comes
 * from the OpenCL preset so a machine without an ICD loader still runs oneDNN.
 */
@Platform(
        include = "tdsr.h",
        link = "tdsr_cpu",
        preload = {"gcc_s@.1", "tdsr_omp_env", "gomp@.1", "quadmath@.0", "gfortran@.5", "openblas@.0", "OpenCL@.1", "dnnl@.3", "tdsr_dnnl"})
public final class Tdsr {
    static {
        Loader.load();
    }

    private Tdsr() {}

    /** The opaque {@code tdsr_tensor*} handle. */
    @Opaque
    public static final class tdsr_tensor extends Pointer {
        public tdsr_tensor() {
            super((Pointer) null);
        }

        public tdsr_tensor(Pointer p) {
            super(p);
        }
    }

    public static native String tdsr_last_error();

    public static native String tdsr_version();

    public static native String tdsr_blas_info();

    public static native int tdsr_set_num_threads(int n);

    public static native int tdsr_set_conv_algorithm(int algorithm);

    public static native void tdsr_last_oom(@Cast("int64_t*") long[] requested, @Cast("int64_t*") long[] freeBytes);

    public static native String tdsr_memory_describe(int device);

    public static native int tdsr_memory_stats(int device, @Cast("int64_t*") long[] out6);

    public static native int tdsr_memory_empty_cache(int device);

    public static native int tdsr_tensor_create(int device, int dtype, int ndim, @Cast("const int64_t*") long[] shape,
            @Cast("tdsr_tensor**") PointerPointer<?> out);

    public static native int tdsr_tensor_view(tdsr_tensor base, long offset, int ndim, @Cast("const int64_t*") long[] shape,
            @Cast("tdsr_tensor**") PointerPointer<?> out);

    public static native void tdsr_tensor_free(tdsr_tensor t);

    public static native int tdsr_tensor_device(tdsr_tensor t);

    /** The device address of the first element: what the CUDA backend hands to cuDNN and cuBLAS. */
    public static native Pointer tdsr_tensor_data(tdsr_tensor t);

    public static native int tdsr_tensor_write_f32(tdsr_tensor t, @Cast("const float*") float[] src, long offset, long count);


    public static native int tdsr_tensor_read_f32(tdsr_tensor t, float[] dst, long offset, long count);


    public static native int tdsr_tensor_write_f64(tdsr_tensor t, @Cast("const double*") double[] src, long offset, long count);

    public static native int tdsr_tensor_read_f64(tdsr_tensor t, double[] dst, long offset, long count);


    public static native int tdsr_tensor_write_i32(tdsr_tensor t, @Cast("const int32_t*") int[] src, long offset, long count);

    public static native int tdsr_tensor_read_i32(tdsr_tensor t, @Cast("int32_t*") int[] dst, long offset, long count);


    public static native int tdsr_tensor_fill(tdsr_tensor t, double value);

    public static native int tdsr_tensor_copy(tdsr_tensor dst, tdsr_tensor src);

    /** Checks a convolution or GEMM entry point's arguments without running it (TDSR_CHECK_* in tdsr.h). */
    public static native int tdsr_check(int op, tdsr_tensor a, tdsr_tensor b, tdsr_tensor c, tdsr_tensor d, int sh, int sw,
            int ph, int pw, int dilH, int dilW);

    public static final int CHECK_CONV2D_FORWARD = 0;
    public static final int CHECK_CONV2D_BACKWARD_INPUT = 1;
    public static final int CHECK_CONV2D_BACKWARD_PARAMS = 2;
    public static final int CHECK_DECONV2D_FORWARD = 3;
    public static final int CHECK_DECONV2D_BACKWARD_INPUT = 4;
    public static final int CHECK_DECONV2D_BACKWARD_PARAMS = 5;
    public static final int CHECK_GEMM = 6;

    public static native int tdsr_conv2d_forward(tdsr_tensor x, tdsr_tensor w, tdsr_tensor b, tdsr_tensor y,
            int sh, int sw, int ph, int pw, int dilH, int dilW);

    public static native int tdsr_conv2d_backward_input(tdsr_tensor dy, tdsr_tensor w, tdsr_tensor dx,
            int sh, int sw, int ph, int pw, int dilH, int dilW);

    public static native int tdsr_conv2d_backward_params(tdsr_tensor dy, tdsr_tensor x, tdsr_tensor dweight, tdsr_tensor dbias,
            int sh, int sw, int ph, int pw, int dilH, int dilW);

    public static native int tdsr_deconv2d_forward(tdsr_tensor x, tdsr_tensor w, tdsr_tensor b, tdsr_tensor y,
            int sh, int sw, int ph, int pw);

    public static native int tdsr_deconv2d_backward_input(tdsr_tensor dy, tdsr_tensor w, tdsr_tensor dx,
            int sh, int sw, int ph, int pw);

    public static native int tdsr_deconv2d_backward_params(tdsr_tensor dy, tdsr_tensor x, tdsr_tensor dweight, tdsr_tensor dbias,
            int sh, int sw, int ph, int pw);

    public static native int tdsr_prelu_forward(tdsr_tensor x, tdsr_tensor alpha, tdsr_tensor y);

    public static native int tdsr_prelu_backward(tdsr_tensor x, tdsr_tensor alpha, tdsr_tensor dy, tdsr_tensor dx,
            tdsr_tensor dalpha);

    public static native int tdsr_relu_forward(tdsr_tensor x, tdsr_tensor y);

    public static native int tdsr_relu_backward(tdsr_tensor x, tdsr_tensor dy, tdsr_tensor dx);

    public static native int tdsr_maxpool2d_forward(tdsr_tensor x, tdsr_tensor y, int kh, int kw, int sh, int sw,
            int ph, int pw, int ceilMode);

    public static native int tdsr_maxpool2d_backward(tdsr_tensor x, tdsr_tensor dy, tdsr_tensor dx, int kh, int kw,
            int sh, int sw, int ph, int pw, int ceilMode);

    public static native int tdsr_l2norm_forward(tdsr_tensor x, tdsr_tensor scale, tdsr_tensor y, double eps);

    public static native int tdsr_l2norm_backward(tdsr_tensor x, tdsr_tensor scale, tdsr_tensor dy, tdsr_tensor dx,
            tdsr_tensor dscale, double eps);

    public static native int tdsr_concat_channels(int n, @Cast("tdsr_tensor* const*") PointerPointer<?> inputs,
            tdsr_tensor y);

    public static native int tdsr_split_channels(tdsr_tensor y, int n, @Cast("tdsr_tensor* const*") PointerPointer<?> outs,
            int accumulate);

    public static native int tdsr_add(tdsr_tensor a, tdsr_tensor b, tdsr_tensor y);

    public static native int tdsr_sub(tdsr_tensor a, tdsr_tensor b, tdsr_tensor y);

    public static native int tdsr_scale(tdsr_tensor x, double s, tdsr_tensor y);

    public static native int tdsr_axpy(double alpha, tdsr_tensor x, tdsr_tensor y);

    public static native int tdsr_channel_affine_forward(tdsr_tensor x, tdsr_tensor a, tdsr_tensor b, tdsr_tensor y);

    public static native int tdsr_channel_affine_backward(tdsr_tensor x, tdsr_tensor a, tdsr_tensor dy, tdsr_tensor dx,
            tdsr_tensor da, tdsr_tensor db);

    public static native int tdsr_mse_forward(tdsr_tensor a, tdsr_tensor b, double[] loss);

    public static native int tdsr_mse_backward(tdsr_tensor a, tdsr_tensor b, double scale, tdsr_tensor da);

    public static native int tdsr_smooth_l1_forward(tdsr_tensor x, tdsr_tensor target, tdsr_tensor weight, double[] loss);

    public static native int tdsr_smooth_l1_backward(tdsr_tensor x, tdsr_tensor target, tdsr_tensor weight, double scale,
            tdsr_tensor dx);

    public static native int tdsr_mse_forward_to(tdsr_tensor a, tdsr_tensor b, tdsr_tensor out, long at, double divisor);

    public static native int tdsr_smooth_l1_forward_to(tdsr_tensor x, tdsr_tensor target, tdsr_tensor weight,
            tdsr_tensor out, long at, double divisor);

    public static native int tdsr_weighted_sum_to(tdsr_tensor x, tdsr_tensor w, tdsr_tensor out, long at,
            double divisor);

    public static native int tdsr_softmax_xent_forward(tdsr_tensor logits, tdsr_tensor labels, tdsr_tensor rowLoss);

    public static native int tdsr_softmax_xent_backward(tdsr_tensor logits, tdsr_tensor labels, tdsr_tensor rowWeight,
            tdsr_tensor dlogits);

    public static native int tdsr_softmax_xent_forward_flagged(tdsr_tensor logits, tdsr_tensor labels,
            tdsr_tensor rowLoss, tdsr_tensor flags, long at);

    public static native int tdsr_softmax_xent_backward_flagged(tdsr_tensor logits, tdsr_tensor labels,
            tdsr_tensor rowWeight, tdsr_tensor dlogits, tdsr_tensor flags, long at);

    public static native int tdsr_softmax_rows(tdsr_tensor logits, tdsr_tensor probs);

    public static native int tdsr_mine_hard_negatives(tdsr_tensor rowLoss, tdsr_tensor labels, long images, int negPos,
            tdsr_tensor selected);

    public static native int tdsr_sgd_step(tdsr_tensor param, tdsr_tensor grad, tdsr_tensor momentumBuf,
            tdsr_tensor proceed, tdsr_tensor hyper, double lr, double momentum, double weightDecay);

    public static native int tdsr_adam_step(tdsr_tensor param, tdsr_tensor grad, tdsr_tensor m, tdsr_tensor v,
            tdsr_tensor proceed, tdsr_tensor hyper, long t, double lr, double beta1, double beta2, double eps,
            double weightDecay);

    public static native int tdsr_sum(tdsr_tensor x, double[] out);

    public static native int tdsr_all_finite(tdsr_tensor x, int[] out);

    public static native int tdsr_finite_flag(tdsr_tensor x, tdsr_tensor flag);

    public static native int tdsr_gemm(tdsr_tensor a, tdsr_tensor b, tdsr_tensor c);

    public static native int tdsr_nchw_to_rows(tdsr_tensor x, tdsr_tensor rows, long offset);

    public static native int tdsr_rows_to_nchw(tdsr_tensor rows, tdsr_tensor x, long offset);

    public static native int tdsr_crop2d_forward(tdsr_tensor x, tdsr_tensor y, long top, long left);

    public static native int tdsr_crop2d_backward(tdsr_tensor dy, tdsr_tensor dx, long top, long left);

    public static native int tdsr_leaky_relu_forward(tdsr_tensor x, tdsr_tensor y, double slope);

    public static native int tdsr_leaky_relu_backward(tdsr_tensor x, tdsr_tensor dy, tdsr_tensor dx, double slope);

    public static native int tdsr_batchnorm_forward(tdsr_tensor x, tdsr_tensor gamma, tdsr_tensor beta,
            tdsr_tensor runningMean, tdsr_tensor runningVar, tdsr_tensor saveMean, tdsr_tensor saveInvstd,
            tdsr_tensor y, int training, double momentum, double eps);

    public static native int tdsr_batchnorm_backward(tdsr_tensor x, tdsr_tensor gamma, tdsr_tensor saveMean,
            tdsr_tensor saveInvstd, tdsr_tensor dy, tdsr_tensor dx, tdsr_tensor dgamma, tdsr_tensor dbeta,
            int training);

    public static native int tdsr_bce_logits_forward(tdsr_tensor x, tdsr_tensor target, double[] loss);

    public static native int tdsr_bce_logits_backward(tdsr_tensor x, tdsr_tensor target, double scale, tdsr_tensor dx);

    public static native int tdsr_pixel_shuffle_forward(tdsr_tensor x, tdsr_tensor y, int r);

    public static native int tdsr_pixel_shuffle_backward(tdsr_tensor dy, tdsr_tensor dx, int r);
}
