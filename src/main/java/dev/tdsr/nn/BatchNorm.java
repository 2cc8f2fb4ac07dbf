package dev.tdsr.nn;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;

/**
 * PyTorch's BatchNorm2d / BatchNorm1d over [N,C,...]: {@code <name>.weight} (gamma, 1) and {@code <name>.bias} (beta,
 * 0) are trained parameters; {@code <name>.running_mean} (0) and {@code <name>.running_var} (1) live in a second,
 * never-optimized set of the model (its buffers), so an optimizer step over the parameter slab never touches them.
 * In training mode the batch statistics normalise and the running ones move by {@link #MOMENTUM}; in inference mode
 * the running ones normalise. PyTorch's {@code num_batches_tracked} is not kept (with a fixed momentum it is unused).
 */
public final class BatchNorm implements Layer {
    public static final double MOMENTUM = 0.1;
    public static final double EPS = 1e-5;
    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningVar;
    private boolean training = true;
    private Tensor input;
    private Tensor saveMean;
    private Tensor saveInvstd;
    private boolean forwardTraining;

    public BatchNorm(ParameterSet ps, ParameterSet buffers, String name, int channels) {
        this.gamma = ps.declare(name + ".weight", Init.constant(1), channels);
        this.beta = ps.declare(name + ".bias", Init.zeros(), channels);
        this.runningMean = buffers.declare(name + ".running_mean", Init.zeros(), channels);
        this.runningVar = buffers.declare(name + ".running_var", Init.constant(1), channels);
    }

    /** Training mode (batch statistics, running statistics updated) or inference mode (running statistics). */
    public void setTraining(boolean training) {
        this.training = training;
    }

    @Override
    public Tensor forward(Tensor x) {
        Backend b = x.backend();
        input = x;
        forwardTraining = training;
        long c = x.dim(1);
        saveMean = b.allocate(x.dtype(), c);
        saveInvstd = b.allocate(x.dtype(), c);
        Tensor y = b.allocate(x.dtype(), x.shape());
        b.batchNormForward(x, gamma.value(), beta.value(), runningMean.value(), runningVar.value(), saveMean,
                saveInvstd, y, training, MOMENTUM, EPS);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Backend b = dy.backend();
        Tensor dx = b.allocate(input.dtype(), input.shape());
        boolean grads = gamma.requiresGrad();
        b.batchNormBackward(input, gamma.value(), saveMean, saveInvstd, dy, dx, grads ? gamma.grad() : null,
                grads ? beta.grad() : null, forwardTraining);
        return dx;
    }
}
