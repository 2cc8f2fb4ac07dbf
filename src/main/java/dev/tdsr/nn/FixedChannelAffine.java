package dev.tdsr.nn;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;

/**
 * {@code y[:, c] = scale[c] * x[:, c] + shift[c]} with constants (nothing is trained): the input normalisation of a
 * network that reads images in [0,1] (SSD's 255 * x - mean, ImageNet's (x - mean) / std). Differentiable, no clamp.
 */
public final class FixedChannelAffine implements Layer, AutoCloseable {
    private final double[] scale;
    private final double[] shift;
    // The constants on the device, written once per backend and dtype and kept: a forward writes nothing from the
    // host, so a CUDA graph can capture it (a host write inside a capture would be a copy from stale memory).
    private Tensor scaleTensor;
    private Tensor shiftTensor;

    public FixedChannelAffine(double[] scale, double[] shift) {
        if (scale.length != shift.length) {
            throw new IllegalArgumentException("FixedChannelAffine: " + scale.length + " scales but " + shift.length
                    + " shifts");
        }
        this.scale = scale.clone();
        this.shift = shift.clone();
    }

    /** (x - mean) / std per channel. */
    public static FixedChannelAffine normalise(double[] mean, double[] std) {
        double[] a = new double[mean.length];
        double[] b = new double[mean.length];
        for (int c = 0; c < mean.length; c++) {
            a[c] = 1 / std[c];
            b[c] = -mean[c] / std[c];
        }
        return new FixedChannelAffine(a, b);
    }

    @Override
    public Tensor forward(Tensor x) {
        Backend b = x.backend();
        if (scaleTensor == null || scaleTensor.isClosed() || shiftTensor.isClosed() || scaleTensor.backend() != b
                || scaleTensor.dtype() != x.dtype()) {
            close();
            scaleTensor = HostDoubles.of(b, x.dtype(), scale, scale.length).keep();
            shiftTensor = HostDoubles.of(b, x.dtype(), shift, shift.length).keep();
        }
        Tensor y = b.allocate(x.dtype(), x.shape());
        b.channelAffineForward(x, scaleTensor, shiftTensor, y);
        return y;
    }

    /** Frees the device constants (the model's close calls it); a later forward writes them again. */
    @Override
    public void close() {
        if (scaleTensor != null) {
            scaleTensor.close();
            shiftTensor.close();
        }
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = dy.backend().allocate(dy.dtype(), dy.shape());
        dy.backend().channelAffineBackward(dy, scaleTensor, dy, dx, null, null); // x is unused without da
        return dx;
    }
}
