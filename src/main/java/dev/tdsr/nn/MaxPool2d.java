package dev.tdsr.nn;

import dev.tdsr.engine.PoolSpec;
import dev.tdsr.engine.Tensor;

/** PyTorch's MaxPool2d (with ceil_mode); the backward recomputes the argmax from the kept input. */
public final class MaxPool2d implements Layer {
    private final PoolSpec spec;
    private Tensor input;

    public MaxPool2d(PoolSpec spec) {
        this.spec = spec;
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        Tensor y = x.backend().allocate(x.dtype(), x.dim(0), x.dim(1),
                PoolSpec.output(x.dim(2), spec.kernelH(), spec.strideH(), spec.padH(), spec.ceilMode()),
                PoolSpec.output(x.dim(3), spec.kernelW(), spec.strideW(), spec.padW(), spec.ceilMode()));
        x.backend().maxPool2dForward(x, y, spec);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = dy.backend().allocate(input.dtype(), input.shape());
        dy.backend().maxPool2dBackward(input, dy, dx, spec);
        return dx;
    }
}
