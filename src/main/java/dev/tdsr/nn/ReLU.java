package dev.tdsr.nn;

import dev.tdsr.engine.Tensor;

/**
 * ReLU in place, as ssd.pytorch's {@code ReLU(inplace=True)}: the input tensor is overwritten and returned (so no
 * producer may need its own output in its backward; convolutions and pools keep inputs, which is fine). The backward
 * reads the output, since relu(x) > 0 iff x > 0.
 */
public final class ReLU implements Layer {
    private Tensor output;

    @Override
    public Tensor forward(Tensor x) {
        x.backend().reluForward(x, x);
        output = x;
        return x;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = dy.backend().allocate(dy.dtype(), dy.shape());
        dy.backend().reluBackward(output, dy, dx);
        return dx;
    }
}
