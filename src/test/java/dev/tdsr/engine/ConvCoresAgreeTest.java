package dev.tdsr.engine;

import static dev.tdsr.testing.GradCheck.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU twin's convolution cores (im2col + GEMM, the direct cores for few channels, the phased GEMM cores for
 * strided layers) give the same forward, input gradient and parameter gradients, in double precision, on shapes larger
 * and odder than the gradient checks (several images, rectangular planes, odd channel counts, D-DBPN's and SSD's
 * kernels); the direct forward and input gradient do not depend on the thread count (each element summed by one
 * thread in one order).
 */
class ConvCoresAgreeTest {
    private static final Backend B = CpuBackend.get();
    private static final double TOLERANCE = 1e-12;

    @AfterEach
    void reset() {
        Engine.setConvAlgorithm(Engine.ConvAlgorithm.AUTO);
        Engine.setThreads(1);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // deconv?, n, cin, cout, h, w, k, stride, pad, output padding
                Arguments.of(false, 3, 5, 7, 23, 19, 3, 1, 1, 0), // 3x3 "same"
                Arguments.of(false, 2, 8, 8, 33, 30, 3, 1, 1, 0), // SSD conv1_2 at width 1/8
                Arguments.of(false, 2, 3, 4, 17, 16, 3, 2, 0, 0), // strided 3x3, no padding
                Arguments.of(false, 3, 8, 8, 40, 36, 8, 4, 2, 0), // D-DBPN 4x down-projection
                Arguments.of(false, 2, 8, 8, 48, 40, 12, 8, 2, 0), // D-DBPN 8x
                Arguments.of(false, 2, 6, 5, 21, 20, 6, 2, 2, 0), // D-DBPN 2x
                Arguments.of(false, 2, 4, 3, 9, 11, 5, 3, 1, 0), // stride does not divide the kernel
                Arguments.of(true, 3, 8, 8, 10, 9, 8, 4, 2, 0), // D-DBPN 4x up-projection
                Arguments.of(true, 2, 8, 8, 6, 5, 12, 8, 2, 0), // D-DBPN 8x
                Arguments.of(true, 2, 5, 3, 7, 8, 3, 2, 1, 1), // output padding
                Arguments.of(true, 2, 3, 6, 9, 7, 3, 1, 1, 0),
                Arguments.of(false, 1, 20, 3, 23, 37, 3, 1, 1, 0), // D-DBPN's output convolution: 4-channel blocks
                Arguments.of(true, 1, 8, 8, 5, 6, 12, 8, 2, 0)); // batch 1: the threads split the image
    }

    @ParameterizedTest(name = "deconv={0} n{1} c{2}->{3} {4}x{5} k{6} s{7} p{8} op{9}")
    @MethodSource("cases")
    void gemmAndDirectAgree(boolean deconv, int n, int cin, int cout, int h, int w, int k, int s, int p, int op) {
        try (Scope scope = Scope.open()) {
            SplittableRandom rng = new SplittableRandom(7);
            ConvSpec spec = ConvSpec.of(s, p);
            long ho = deconv ? ConvSpec.deconvOutput(h, k, s, p, op) : ConvSpec.convOutput(h, k, s, p, 1);
            long wo = deconv ? ConvSpec.deconvOutput(w, k, s, p, op) : ConvSpec.convOutput(w, k, s, p, 1);
            Tensor x = random(rng, n, cin, h, w);
            Tensor wt = deconv ? random(rng, cin, cout, k, k) : random(rng, cout, cin, k, k);
            Tensor b = random(rng, cout);
            Tensor dy = random(rng, n, cout, ho, wo);
            double[][] gemm = passes(Engine.ConvAlgorithm.GEMM, deconv, x, wt, b, dy, spec);
            double[][] direct = passes(Engine.ConvAlgorithm.DIRECT, deconv, x, wt, b, dy, spec);
            String[] names = {"forward", "input gradient", "weight gradient", "bias gradient"};
            for (int i = 0; i < names.length; i++) {
                double err = maxRelative(gemm[i], direct[i]);
                assertTrue(err <= TOLERANCE, names[i] + ": the cores differ by " + err + " (relative to the largest)");
            }
            double[][] phased = s > 1 ? passes(Engine.ConvAlgorithm.PHASED, deconv, x, wt, b, dy, spec) : null;
            for (int i = 0; phased != null && i < names.length; i++) {
                double err = maxRelative(gemm[i], phased[i]);
                assertTrue(err <= TOLERANCE, names[i] + ": phased GEMM differs by " + err + " (relative to the largest)");
            }
            Engine.setThreads(2);
            double[][] twoThreads = passes(Engine.ConvAlgorithm.DIRECT, deconv, x, wt, b, dy, spec);
            assertArrayEquals(direct[0], twoThreads[0], "direct forward on 2 threads");
            assertArrayEquals(direct[1], twoThreads[1], "direct input gradient on 2 threads");
            assertTrue(maxRelative(direct[2], twoThreads[2]) <= TOLERANCE, "direct weight gradient on 2 threads");
            if (phased != null) {
                double[][] phased2 = passes(Engine.ConvAlgorithm.PHASED, deconv, x, wt, b, dy, spec);
                for (int i = 0; i < names.length; i++) {
                    assertTrue(maxRelative(phased[i], phased2[i]) <= TOLERANCE, names[i] + ": phased on 2 threads");
                }
            }
        }
    }

    /**
     * AUTO's routes for a layer from many channels to few (D-DBPN's 448 -> 3 output convolution, scaled down): up to
     * 64 input channels the forward on the direct cores; above, the forward and the weight gradient as one GEMM over
     * the input planes plus shifted plane sums, and the input gradient as a convolution to the many channels. They
     * agree with the GEMM cores in double, on 1 and 2 threads, for "same" and "valid" padding, dilation and 2 images.
     */
    static Stream<Arguments> manyToFew() {
        return Stream.of(
                // cin, cout, n, k, pad, dilation
                Arguments.of(40, 3, 1, 3, 1, 1), // the direct cores
                Arguments.of(80, 3, 1, 3, 1, 1), // plane sums: D-DBPN's output convolution
                Arguments.of(72, 2, 2, 5, 0, 1), // output smaller than the input, 2 images
                Arguments.of(96, 3, 1, 3, 1, 2)); // dilated: taps off the edges on every side
    }

    @ParameterizedTest(name = "c{0}->{1} n{2} k{3} p{4} d{5}")
    @MethodSource("manyToFew")
    void manyToFewChannelsUnderAuto(int cin, int cout, int n, int k, int pad, int dil) {
        try (Scope scope = Scope.open()) {
            SplittableRandom rng = new SplittableRandom(11);
            ConvSpec spec = ConvSpec.of(1, pad, dil);
            long ho = ConvSpec.convOutput(19, k, 1, pad, dil), wo = ConvSpec.convOutput(26, k, 1, pad, dil);
            Tensor x = random(rng, n, cin, 19, 26);
            Tensor wt = random(rng, cout, cin, k, k);
            Tensor b = random(rng, cout);
            Tensor dy = random(rng, n, cout, ho, wo);
            double[][] gemm = passes(Engine.ConvAlgorithm.GEMM, false, x, wt, b, dy, spec);
            for (int threads : new int[] {1, 2}) {
                Engine.setThreads(threads);
                double[][] auto = passes(Engine.ConvAlgorithm.AUTO, false, x, wt, b, dy, spec);
                for (int i = 0; i < 4; i++) {
                    double err = maxRelative(gemm[i], auto[i]);
                    assertTrue(err <= TOLERANCE, "pass " + i + " on " + threads + " threads differs by " + err);
                }
            }
        }
    }

    /**
     * y, dx, dw, db of one layer under one core, in the inputs' dtype, read back as doubles (dw and db start from a
     * nonzero value: they accumulate). Also {@link OneDnnConvTest}'s.
     */
    static double[][] passes(Engine.ConvAlgorithm a, boolean deconv, Tensor x, Tensor wt, Tensor b, Tensor dy,
            ConvSpec spec) {
        Engine.setConvAlgorithm(a);
        DType dt = x.dtype();
        Tensor y = B.allocate(dt, dy.shape());
        Tensor dx = B.allocate(dt, x.shape()).fill(5); // overwritten
        Tensor dw = B.allocate(dt, wt.shape()).fill(0.25);
        Tensor db = B.allocate(dt, b.shape()).fill(0.25);
        if (deconv) {
            B.deconv2dForward(x, wt, b, y, spec);
            B.deconv2dBackwardInput(dy, wt, dx, spec);
            B.deconv2dBackwardParams(dy, x, dw, db, spec);
        } else {
            B.conv2dForward(x, wt, b, y, spec);
            B.conv2dBackwardInput(dy, wt, dx, spec);
            B.conv2dBackwardParams(dy, x, dw, db, spec);
        }
        return new double[][] {doubles(y), doubles(dx), doubles(dw), doubles(db)};
    }

    static double[] doubles(Tensor t) {
        if (t.dtype() == DType.F64) {
            return t.toDoubleArray();
        }
        float[] f = t.toFloatArray();
        double[] v = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = f[i];
        }
        return v;
    }

    private static Tensor random(SplittableRandom rng, long... shape) {
        return B.allocate(DType.F64, shape).write(values(rng, Tensor.numelOf(shape), -1, 1));
    }

    static double maxRelative(double[] a, double[] b) {
        double scale = 1e-300;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        return diff / scale;
    }
}
