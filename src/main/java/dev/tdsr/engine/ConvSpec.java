package dev.tdsr.engine;

/**
 * Stride, padding and dilation of a (transposed) convolution, per axis. For transposed convolutions dilation must be
 * 1; the output padding is implied by the output tensor's shape (PyTorch's rule, checked by the engine).
 */
public record ConvSpec(int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) {
    public static ConvSpec of(int stride, int padding) {
        return new ConvSpec(stride, stride, padding, padding, 1, 1);
    }

    public static ConvSpec of(int stride, int padding, int dilation) {
        return new ConvSpec(stride, stride, padding, padding, dilation, dilation);
    }

    /** Output size of a convolution along one axis. */
    public static long convOutput(long in, int kernel, int stride, int padding, int dilation) {
        return Math.floorDiv(in + 2L * padding - (long) dilation * (kernel - 1) - 1, stride) + 1;
    }

    /** Output size of a transposed convolution along one axis: (in-1)*s - 2p + k + outputPadding. */
    public static long deconvOutput(long in, int kernel, int stride, int padding, int outputPadding) {
        return (in - 1) * stride - 2L * padding + kernel + outputPadding;
    }
}
