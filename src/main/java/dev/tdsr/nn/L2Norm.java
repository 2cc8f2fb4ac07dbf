package dev.tdsr.nn;

import dev.tdsr.engine.Tensor;

/**
 * ssd.pytorch's L2Norm on conv4_3: y[c] = w[c] * x[c] / (sqrt(sum_c x^2) + 1e-10) at every position; {@code
 * <name>.weight} [C] initialised to {@code scale} (20).
 */
public final class L2Norm implements Layer {
    public static final double EPS = 1e-10;
    private final Parameter weight;
    private Tensor input;

    public L2Norm(ParameterSet ps, String name, int channels, double scale) {
        this.weight = ps.declare(name + ".weight", Init.constant(scale), channels);
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        Tensor y = x.backend().allocate(x.dtype(), x.shape());
        x.backend().l2NormForward(x, weight.value(), y, EPS);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = dy.backend().allocate(input.dtype(), input.shape());
        dy.backend().l2NormBackward(input, weight.value(), dy, dx, weight.requiresGrad() ? weight.grad() : null, EPS);
        return dx;
    }

    public Parameter weight() {
        return weight;
    }
}
