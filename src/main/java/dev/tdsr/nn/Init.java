package dev.tdsr.nn;

import java.util.SplittableRandom;

/**
 * How a parameter starts: fills {@code values} (row-major, of the given PyTorch shape) from {@code rnd}. Fans follow
 * PyTorch: fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field (so for ConvTranspose2d's
 * [in, out, k, k] weight fan_in counts the OUT channels, as PyTorch does).
 */
@FunctionalInterface
public interface Init {
    void fill(double[] values, long[] shape, SplittableRandom rnd);

    static Init constant(double v) {
        return (values, shape, rnd) -> java.util.Arrays.fill(values, v);
    }

    static Init zeros() {
        return constant(0);
    }

    /** kaiming_normal_ with PyTorch defaults (a=0, fan_in, leaky_relu gain sqrt 2): std = sqrt(2 / fan_in). */
    static Init kaimingNormal() {
        return (values, shape, rnd) -> {
            double std = Math.sqrt(2.0 / fanIn(shape));
            for (int i = 0; i < values.length; i++) {
                values[i] = std * gaussian(rnd);
            }
        };
    }

    /** xavier_uniform_ (gain 1): U(-b, b), b = sqrt(6 / (fan_in + fan_out)), what ssd.pytorch's train.py uses. */
    static Init xavierUniform() {
        return (values, shape, rnd) -> uniform(values, rnd, Math.sqrt(6.0 / (fanIn(shape) + fanOut(shape))));
    }

    /** U(-1/sqrt(fan), 1/sqrt(fan)): PyTorch's default for conv weights (kaiming_uniform a=sqrt 5) and biases. */
    static Init pytorchDefault(long fanIn) {
        return (values, shape, rnd) -> uniform(values, rnd, 1.0 / Math.sqrt(fanIn));
    }

    static long fanIn(long[] shape) {
        return shape.length < 2 ? shape[0] : shape[1] * receptive(shape);
    }

    static long fanOut(long[] shape) {
        return shape[0] * receptive(shape);
    }

    private static long receptive(long[] shape) {
        long r = 1;
        for (int i = 2; i < shape.length; i++) {
            r *= shape[i];
        }
        return r;
    }

    private static void uniform(double[] values, SplittableRandom rnd, double bound) {
        for (int i = 0; i < values.length; i++) {
            values[i] = rnd.nextDouble(-bound, bound);
        }
    }

    /** Box-Muller (SplittableRandom has no nextGaussian in Java 17). */
    private static double gaussian(SplittableRandom rnd) {
        double u = 1.0 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
