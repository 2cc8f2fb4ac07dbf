package dev.tdsr.engine;

/** Max-pool window: kernel, stride, padding per axis and PyTorch's ceil_mode. */
public record PoolSpec(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode) {
    public static PoolSpec of(int kernel, int stride, int padding, boolean ceilMode) {
        return new PoolSpec(kernel, kernel, stride, stride, padding, padding, ceilMode);
    }

    /** Output size along one axis (PyTorch: the last window must start inside the input or the left padding). */
    public static long output(long in, int kernel, int stride, int padding, boolean ceilMode) {
        long span = in + 2L * padding - kernel;
        long out = (ceilMode ? Math.floorDiv(span + stride - 1, stride) : Math.floorDiv(span, stride)) + 1;
        if (ceilMode && (out - 1) * stride >= in + padding) {
            out--;
        }
        return out;
    }
}
