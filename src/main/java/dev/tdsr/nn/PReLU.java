package dev.tdsr.nn;

import dev.tdsr.engine.Tensor;

/** PyTorch's PReLU: {@code <name>.weight} with 1 (shared, D-DBPN) or C slopes, initialised to 0.25. */
public final class PReLU implements Layer {
    private final Parameter alpha;
    private Tensor input;

    public PReLU(ParameterSet ps, String name, int count) {
        this.alpha = ps.declare(name + ".weight", Init.constant(0.25), count);
    }

    @Override
    public Tensor forward(Tensor x) {
        input = x;
        Tensor y = x.backend().allocate(x.dtype(), x.shape());
        x.backend().preluForward(x, alpha.value(), y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = dy.backend().allocate(input.dtype(), input.shape());
        dy.backend().preluBackward(input, alpha.value(), dy, dx, alpha.requiresGrad() ? alpha.grad() : null);
        return dx;
    }

    public Parameter weight() {
        return alpha;
    }
}
