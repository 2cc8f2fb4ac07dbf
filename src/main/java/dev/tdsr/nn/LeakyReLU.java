package dev.tdsr.nn;

import dev.tdsr.engine.Tensor;

/** PyTorch's LeakyReLU with a fixed slope (the SRGAN discriminator's 0.2); keeps its input for the backward. */
public final class LeakyReLU implements Layer {
    private final double slope;
    private Tensor input;

    public LeakyReLU(double slope) {
        if (!(slope >= 0 && slope < 1)) {
            throw new IllegalArgumentException("LeakyReLU: slope must be in [0,1), got " + slope);
        }
        this.slope = slope;
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        Tensor y = x.backend().allocate(x.dtype(), x.shape());
        x.backend().leakyReluForward(x, y, slope);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = dy.backend().allocate(input.dtype(), input.shape());
        dy.backend().leakyReluBackward(input, dy, dx, slope);
        return dx;
    }
}
