package dev.tdsr.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Finite-difference gradient checks in double precision (Caffe's GradientChecker, adapted).
 *
 * <p>Objective L = sum_i r_i y_i for a fixed random r, so dL/dy = r feeds the backward pass directly and no symmetric
 * cancellation hides an error. Each input coordinate is perturbed by +-eps (central difference); the error is
 * |a - n| / max(|a|, |n|, 1). A coordinate where the one-sided differences disagree sits on a kink (ReLU at 0, a
 * max-pool tie, smooth-L1 at |d| = 1) and is excluded; the check fails if more than 5% are excluded.
 */
final class GradCheck {
    static final double EPS = 1e-6;
    static final double TOL = 1e-6;

    private GradCheck() {}

    /** Recomputes the scalar objective from the current inputs. */
    interface Objective {
        double eval();
    }

    /** The objective sum_i r_i y_i of an op that writes {@code output} when {@code run} runs. */
    static Objective weighted(Runnable run, Tensor output, double[] r) {
        return () -> {
            run.run();
            double[] y = output.toDoubleArray();
            double s = 0;
            for (int i = 0; i < y.length; i++) {
                s += r[i] * y[i];
            }
            return s;
        };
    }

    static double[] random(SplittableRandom rng, long n, double lo, double hi) {
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * rng.nextDouble();
        }
        return v;
    }

    static Tensor f64(Backend b, SplittableRandom rng, long... shape) {
        return b.allocate(DType.F64, shape).write(random(rng, Tensor.numelOf(shape), -1, 1));
    }

    /** Result of checking one tensor. */
    record Report(String name, int checked, int kinks, double maxError, String worst) {
        @Override
        public String toString() {
            return String.format("%s: %d coordinates, %d kinks excluded, max rel error %.3g%s", name, checked, kinks,
                    maxError, worst.isEmpty() ? "" : " (" + worst + ")");
        }
    }

    /**
     * Checks {@code analytic} = dL/d{@code input} against central differences of L over the given coordinates
     * (all when {@code coords} is null).
     */
    static Report check(String name, Tensor input, double[] analytic, Objective f, int[] coords) {
        double[] base = input.toDoubleArray();
        double f0 = f.eval();
        int n = coords == null ? base.length : coords.length;
        int kinks = 0;
        double maxErr = 0;
        String worst = "";
        for (int k = 0; k < n; k++) {
            int i = coords == null ? k : coords[k];
            double[] v = base.clone();
            v[i] = base[i] + EPS;
            input.write(v);
            double fp = f.eval();
            v[i] = base[i] - EPS;
            input.write(v);
            double fm = f.eval();
            double right = (fp - f0) / EPS;
            double left = (f0 - fm) / EPS;
            if (Math.abs(right - left) > 1e-3 * Math.max(1, Math.abs(right) + Math.abs(left))) {
                kinks++;
                continue;
            }
            double numeric = (fp - fm) / (2 * EPS);
            double a = analytic[i];
            double err = Math.abs(a - numeric) / Math.max(Math.max(Math.abs(a), Math.abs(numeric)), 1.0);
            if (err > maxErr) {
                maxErr = err;
                worst = "index " + i + ": analytic " + a + ", numeric " + numeric;
            }
        }
        input.write(base);
        f.eval();
        Report r = new Report(name, n, kinks, maxErr, worst);
        System.out.println("gradcheck " + r);
        assertTrue(maxErr <= TOL, "gradient check failed: " + r);
        assertTrue(kinks <= Math.max(1, n / 20), "too many kink coordinates excluded: " + r);
        return r;
    }

    /** Up to {@code max} distinct coordinates of a tensor of {@code n} elements, all when n <= max. */
    static int[] sample(SplittableRandom rng, long n, int max) {
        if (n <= max) {
            return null;
        }
        List<Integer> picked = new ArrayList<>();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        while (picked.size() < max) {
            int i = rng.nextInt(Math.toIntExact(n));
            if (seen.add(i)) {
                picked.add(i);
            }
        }
        return picked.stream().mapToInt(Integer::intValue).toArray();
    }
}
