package dev.tdsr.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.Parameter;
import dev.tdsr.nn.ParameterSet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Finite-difference gradient checks in double precision. Central differences with step h (H by default); the relative
 * error is |a - n| / max(|a|, |n|, 1). A coordinate whose central differences at h and h/2 disagree by more than half
 * the tolerance has a kink within the step (ReLU/PReLU at 0, a max-pool switch, smooth-L1 at |d| = 1): it is excluded
 * and counted instead of compared (at most a quarter of the coordinates may be).
 */
public final class GradCheck {
    public static final double H = 1e-6;
    public static final double TOLERANCE = 1e-6;
    private static final boolean DEBUG = System.getenv("GRADCHECK_DEBUG") != null;

    private GradCheck() {}

    public record Report(String what, double maxError, int checked, int kinks, double maxAbsGrad) {
        public Report assertOk() {
            System.out.printf("gradcheck %-44s checked %4d  kinks %d  max|g| %.2e  max rel error %.3e%n", what,
                    checked, kinks, maxAbsGrad, maxError);
            assertTrue(checked > 0, what + ": nothing checked");
            assertTrue(kinks <= Math.max(2, (checked + kinks) / 4), what + ": too many kinks (" + kinks + ")");
            assertTrue(maxError < TOLERANCE, what + ": max relative error " + maxError);
            return this;
        }
    }

    public static Backend cpu() {
        return TestBackends.cpu();
    }

    /** A kept F64 CPU tensor with uniform values in [lo, hi). */
    public static Tensor random(SplittableRandom rnd, double lo, double hi, long... shape) {
        return random(cpu(), DType.F64, rnd, lo, hi, shape);
    }

    /** A kept tensor of {@code dtype} on {@code backend} with uniform values in [lo, hi) (same values on every backend). */
    public static Tensor random(Backend backend, DType dtype, SplittableRandom rnd, double lo, double hi, long... shape) {
        Tensor t = backend.allocate(dtype, shape).keep();
        double[] v = values(rnd, t.numel(), lo, hi);
        if (dtype == DType.F64) {
            return t.write(v);
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return t.write(f);
    }

    public static double dot(Tensor t, double[] r) {
        double[] v = HostDoubles.read(t);
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            s += v[i] * r[i];
        }
        return s;
    }

    /** {@code count} distinct random coordinates of [0, n) (all of them when n <= count). */
    public static int[] sample(SplittableRandom rnd, int n, int count) {
        if (n <= count) {
            return java.util.stream.IntStream.range(0, n).toArray();
        }
        return rnd.ints(0, n).distinct().limit(count).toArray();
    }

    private static double central(Tensor t, double[] base, int c, double h, DoubleSupplier loss) {
        double[] v = base.clone();
        v[c] = base[c] + h;
        t.write(v);
        double fp = loss.getAsDouble();
        v[c] = base[c] - h;
        t.write(v);
        double fm = loss.getAsDouble();
        t.write(base);
        return (fp - fm) / (2 * h);
    }

    /** Compares analytic[coords[i]] with central differences of {@code loss} in element coords[i] of {@code t}. */
    public static Report check(String what, Tensor t, double[] analytic, int[] coords, DoubleSupplier loss) {
        return check(what, t, analytic, coords, loss, H);
    }

    /** As above with step {@code h}. */
    public static Report check(String what, Tensor t, double[] analytic, int[] coords, DoubleSupplier loss,
            double h) {
        double[] base = t.toDoubleArray();
        double max = 0;
        double maxAbs = 0;
        int kinks = 0;
        for (int c : coords) {
            double numeric = central(t, base, c, h, loss);
            double half = central(t, base, c, h / 2, loss);
            double a = analytic[c];
            // not converged: a kink (ReLU/PReLU at 0, a max-pool switch, smooth-L1 at |d| = 1) lies within the step
            boolean kink = Math.abs(numeric - half) > TOLERANCE / 2 * Math.max(1, Math.abs(half));
            if (DEBUG) {
                System.out.printf("  %s coord %d analytic %.9e numeric %.9e (h/2: %.9e)%s%n", what, c, a, numeric,
                        half, kink ? " KINK" : "");
            }
            if (kink) {
                kinks++;
                continue;
            }
            maxAbs = Math.max(maxAbs, Math.abs(a));
            max = Math.max(max, Math.abs(a - numeric) / Math.max(Math.max(Math.abs(a), Math.abs(numeric)), 1));
        }
        return new Report(what, max, coords.length - kinks, kinks, maxAbs);
    }

    /**
     * Checks a layer's input gradient and every parameter gradient for L = sum(layer(x) * r) at up to {@code samples}
     * coordinates each. The layer gets a fresh copy of x per evaluation (in-place layers overwrite their input).
     */
    public static List<Report> checkLayer(String name, Layer layer, ParameterSet ps, Tensor x, int samples,
            long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Backend b = cpu();
        double[] r;
        double[] dx;
        try (Scope s = Scope.open()) {
            Tensor y = layer.forward(copy(x));
            r = new double[(int) y.numel()];
            for (int i = 0; i < r.length; i++) {
                r[i] = rnd.nextDouble(-1, 1);
            }
            if (ps != null) {
                ps.zeroGrad();
            }
            dx = HostDoubles.read(layer.backward(HostDoubles.of(b, DType.F64, r, y.shape())));
        }
        final double[] weights = r;
        DoubleSupplier loss = () -> {
            try (Scope s = Scope.open()) {
                return dot(layer.forward(copy(x)), weights);
            }
        };
        List<Report> reports = new ArrayList<>();
        reports.add(check(name + " dx", x, dx, sample(rnd, dx.length, samples), loss).assertOk());
        if (ps != null) {
            for (Parameter p : ps.list()) {
                double[] g = HostDoubles.read(p.grad());
                reports.add(check(name + " d" + p.name(), p.value(), g, sample(rnd, g.length, samples), loss)
                        .assertOk());
            }
        }
        return reports;
    }

    /** n uniform values in [lo, hi). */
    public static double[] values(SplittableRandom rnd, long n, double lo, double hi) {
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble(lo, hi);
        }
        return v;
    }

    /** The objective sum_i r_i y_i of an op that writes {@code output} when {@code op} runs. */
    public static DoubleSupplier weighted(Runnable op, Tensor output, double[] r) {
        return () -> {
            op.run();
            return dot(output, r);
        };
    }

    public static Tensor copy(Tensor x) {
        Tensor c = x.backend().allocate(x.dtype(), x.shape());
        x.backend().copy(c, x);
        return c;
    }

    /** Overwrites every parameter with uniform values in [lo, hi) (layers' inits are too regular for a check). */
    public static void randomize(ParameterSet ps, SplittableRandom rnd, double lo, double hi) {
        double[] v = new double[(int) ps.count()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble(lo, hi);
        }
        HostDoubles.write(ps.slab(), v);
    }
}
