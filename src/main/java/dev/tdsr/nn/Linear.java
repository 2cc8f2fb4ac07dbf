package dev.tdsr.nn;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.Tensor;

/**
 * PyTorch's Linear on [N, ...] (flattened to [N, in]): {@code <name>.weight} [out, in], {@code <name>.bias} [out],
 * PyTorch's default initialisation. A dense layer is a 1x1 convolution of a 1x1 map, so it runs the convolution ops
 * on views ([N, in, 1, 1] and [out, in, 1, 1]), which the engine computes as one GEMM (and cuBLAS/cuDNN on a GPU):
 * no second GEMM path to keep.
 */
public final class Linear implements Layer {
    private static final ConvSpec POINTWISE = ConvSpec.of(1, 0);
    private final Parameter weight;
    private final Parameter bias;
    private final int in;
    private final int out;
    private Tensor input;
    private long[] inputShape;

    public Linear(ParameterSet ps, String name, int in, int out) {
        Init u = Init.pytorchDefault(in);
        this.weight = ps.declare(name + ".weight", u, out, in);
        this.bias = ps.declare(name + ".bias", u, out);
        this.in = in;
        this.out = out;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.numel() != x.dim(0) * (long) in) {
            throw new IllegalArgumentException("Linear: input " + x + " does not flatten to [N, " + in + "]");
        }
        Backend b = x.backend();
        inputShape = x.shape();
        input = x.reshape(x.dim(0), in, 1, 1);
        Tensor y = b.allocate(x.dtype(), x.dim(0), out);
        b.conv2dForward(input, kernel(), bias.value(), y.reshape(x.dim(0), out, 1, 1), POINTWISE);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Backend b = dy.backend();
        Tensor dy4 = dy.reshape(dy.dim(0), out, 1, 1);
        Tensor dx = b.allocate(dy.dtype(), inputShape);
        b.conv2dBackwardInput(dy4, kernel(), dx.reshape(dy.dim(0), in, 1, 1), POINTWISE);
        if (weight.requiresGrad()) {
            b.conv2dBackwardParams(dy4, input, weight.grad().reshape(out, in, 1, 1), bias.grad(), POINTWISE);
        }
        return dx;
    }

    private Tensor kernel() {
        return weight.value().reshape(out, in, 1, 1);
    }
}
