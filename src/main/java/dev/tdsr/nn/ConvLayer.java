package dev.tdsr.nn;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.Tensor;

/** What {@link Conv2d} and {@link ConvTranspose2d} share: weight + optional bias, the kept input, the three calls. */
abstract class ConvLayer implements Layer {
    protected final Parameter weight;
    protected final Parameter bias;
    protected final ConvSpec spec;
    protected final int kernel;
    protected final int outChannels;
    private Tensor input;

    ConvLayer(Parameter weight, Parameter bias, ConvSpec spec, int kernel, int outChannels) {
        this.weight = weight;
        this.bias = bias;
        this.spec = spec;
        this.kernel = kernel;
        this.outChannels = outChannels;
    }

    abstract long outSize(long in, int axisStride, int axisPad, int axisDilation);

    abstract void forwardOp(Backend b, Tensor x, Tensor w, Tensor bias, Tensor y);

    abstract void backwardInputOp(Backend b, Tensor dy, Tensor w, Tensor dx);

    abstract void backwardParamsOp(Backend b, Tensor dy, Tensor x, Tensor dw, Tensor db);

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        Backend b = x.backend();
        Tensor y = b.allocate(x.dtype(), x.dim(0), outChannels,
                outSize(x.dim(2), spec.strideH(), spec.padH(), spec.dilationH()),
                outSize(x.dim(3), spec.strideW(), spec.padW(), spec.dilationW()));
        forwardOp(b, x, weight.value(), bias == null ? null : bias.value(), y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Backend b = dy.backend();
        Tensor dx = b.allocate(input.dtype(), input.shape());
        backwardInputOp(b, dy, weight.value(), dx);
        if (weight.requiresGrad()) {
            backwardParamsOp(b, dy, input, weight.grad(), bias == null ? null : bias.grad());
        }
        return dx;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }
}
