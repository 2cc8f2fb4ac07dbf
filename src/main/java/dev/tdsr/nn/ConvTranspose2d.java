package dev.tdsr.nn;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.Tensor;

/**
 * PyTorch's ConvTranspose2d (output_padding 0, dilation 1): weight {@code <name>.weight} [in, out, k, k], bias
 * [out]; output size (H-1)*s - 2p + k.
 */
public final class ConvTranspose2d extends ConvLayer {
    public ConvTranspose2d(ParameterSet ps, String name, int in, int out, int kernel, ConvSpec spec, boolean bias,
            Init weightInit, Init biasInit) {
        super(ps.declare(name + ".weight", weightInit, in, out, kernel, kernel),
                bias ? ps.declare(name + ".bias", biasInit, out) : null, spec, kernel, out);
    }

    /** PyTorch's default initialisation; its fan_in of a transposed conv weight counts the out channels. */
    public static ConvTranspose2d withDefaults(ParameterSet ps, String name, int in, int out, int kernel,
            ConvSpec spec) {
        Init u = Init.pytorchDefault((long) out * kernel * kernel);
        return new ConvTranspose2d(ps, name, in, out, kernel, spec, true, u, u);
    }

    @Override
    long outSize(long in, int stride, int pad, int dilation) {
        return ConvSpec.deconvOutput(in, kernel, stride, pad, 0);
    }

    @Override
    void forwardOp(Backend b, Tensor x, Tensor w, Tensor bias, Tensor y) {
        b.deconv2dForward(x, w, bias, y, spec);
    }

    @Override
    void backwardInputOp(Backend b, Tensor dy, Tensor w, Tensor dx) {
        b.deconv2dBackwardInput(dy, w, dx, spec);
    }

    @Override
    void backwardParamsOp(Backend b, Tensor dy, Tensor x, Tensor dw, Tensor db) {
        b.deconv2dBackwardParams(dy, x, dw, db, spec);
    }
}
