package dev.tdsr.nn;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.Tensor;

/** PyTorch's Conv2d: weight {@code <name>.weight} [out, in, k, k], bias {@code <name>.bias} [out]. */
public final class Conv2d extends ConvLayer {
    public Conv2d(ParameterSet ps, String name, int in, int out, int kernel, ConvSpec spec, boolean bias,
            Init weightInit, Init biasInit) {
        super(ps.declare(name + ".weight", weightInit, out, in, kernel, kernel),
                bias ? ps.declare(name + ".bias", biasInit, out) : null, spec, kernel, out);
    }

    /** PyTorch's default initialisation (uniform, bound 1/sqrt(fan_in), weight and bias). */
    public static Conv2d withDefaults(ParameterSet ps, String name, int in, int out, int kernel, ConvSpec spec) {
        Init u = Init.pytorchDefault((long) in * kernel * kernel);
        return new Conv2d(ps, name, in, out, kernel, spec, true, u, u);
    }

    @Override
    long outSize(long in, int stride, int pad, int dilation) {
        return ConvSpec.convOutput(in, kernel, stride, pad, dilation);
    }

    @Override
    void forwardOp(Backend b, Tensor x, Tensor w, Tensor bias, Tensor y) {
        b.conv2dForward(x, w, bias, y, spec);
    }

    @Override
    void backwardInputOp(Backend b, Tensor dy, Tensor w, Tensor dx) {
        b.conv2dBackwardInput(dy, w, dx, spec);
    }

    @Override
    void backwardParamsOp(Backend b, Tensor dy, Tensor x, Tensor dw, Tensor db) {
        b.conv2dBackwardParams(dy, x, dw, db, spec);
    }
}
