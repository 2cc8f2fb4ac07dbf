package dev.tdsr.engine;

import static dev.tdsr.testing.GradCheck.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The oneDNN convolutions (libtdsr_dnnl.so, float only) against the engine's own im2col + GEMM cores, which the
 * double-precision gradient checks test: forward, input gradient and both parameter gradients (which accumulate),
 * for convolutions and transposed convolutions at D-DBPN's and SSD's kernels, odd sizes, dilation, output padding,
 * batch 1 and 6, 1 and 2 threads. Skips, saying why, where oneDNN did not load (a build with
 * -Dtdsr.onednn.skip=true).
 */
class OneDnnConvTest {
    private static final Backend B = CpuBackend.get();
    // float: sums of up to a few thousand products, compared relative to the largest magnitude of the output.
    private static final double TOLERANCE = 2e-5;

    @AfterEach
    void reset() {
        Engine.setConvAlgorithm(Engine.ConvAlgorithm.AUTO);
        Engine.setThreads(1);
    }

    private static void requireOneDnn() {
        try {
            Engine.setConvAlgorithm(Engine.ConvAlgorithm.ONEDNN);
        } catch (RuntimeException e) {
            Assumptions.abort("oneDNN is not loaded here: " + e.getMessage());
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // deconv?, n, cin, cout, h, w, k, stride, pad, dilation / output padding, threads
                Arguments.of(false, 1, 32, 24, 23, 19, 3, 1, 1, 1, 1), // 3x3 "same", batch 1
                Arguments.of(false, 6, 24, 32, 17, 16, 3, 1, 1, 1, 2), // batch 6, 2 threads
                Arguments.of(false, 2, 40, 48, 19, 21, 3, 1, 6, 6, 1), // fc6's dilated 3x3
                Arguments.of(false, 2, 32, 32, 40, 36, 8, 4, 2, 1, 2), // D-DBPN 4x down-projection
                Arguments.of(false, 1, 32, 32, 48, 40, 12, 8, 2, 1, 1), // D-DBPN 8x
                Arguments.of(false, 2, 17, 19, 21, 20, 6, 2, 2, 1, 1), // D-DBPN 2x, odd channels
                Arguments.of(false, 2, 20, 18, 9, 11, 5, 3, 1, 1, 2), // stride does not divide the kernel
                Arguments.of(true, 1, 32, 32, 10, 9, 8, 4, 2, 0, 1), // D-DBPN 4x up-projection
                Arguments.of(true, 6, 32, 32, 6, 5, 12, 8, 2, 0, 2), // D-DBPN 8x, batch 6
                Arguments.of(true, 2, 21, 19, 7, 8, 3, 2, 1, 1, 1), // output padding
                Arguments.of(true, 2, 24, 20, 9, 7, 3, 1, 1, 0, 2)); // stride 1
    }

    @ParameterizedTest(name = "deconv={0} n{1} c{2}->{3} {4}x{5} k{6} s{7} p{8} d/op{9} t{10}")
    @MethodSource("cases")
    void oneDnnAgreesWithTheGemmCores(boolean deconv, int n, int cin, int cout, int h, int w, int k, int s, int p,
            int extra, int threads) {
        requireOneDnn();
        try (Scope scope = Scope.open()) {
            SplittableRandom rng = new SplittableRandom(11);
            int dil = deconv ? 1 : extra, op = deconv ? extra : 0;
            ConvSpec spec = ConvSpec.of(s, p, dil);
            long ho = deconv ? ConvSpec.deconvOutput(h, k, s, p, op) : ConvSpec.convOutput(h, k, s, p, dil);
            long wo = deconv ? ConvSpec.deconvOutput(w, k, s, p, op) : ConvSpec.convOutput(w, k, s, p, dil);
            Tensor x = random(rng, n, cin, h, w);
            Tensor wt = deconv ? random(rng, cin, cout, k, k) : random(rng, cout, cin, k, k);
            Tensor b = random(rng, cout);
            Tensor dy = random(rng, n, cout, ho, wo);
            Engine.setThreads(threads);
            double[][] gemm = ConvCoresAgreeTest.passes(Engine.ConvAlgorithm.GEMM, deconv, x, wt, b, dy, spec);
            double[][] onednn = ConvCoresAgreeTest.passes(Engine.ConvAlgorithm.ONEDNN, deconv, x, wt, b, dy, spec);
            String[] names = {"forward", "input gradient", "weight gradient", "bias gradient"};
            for (int i = 0; i < names.length; i++) {
                double err = ConvCoresAgreeTest.maxRelative(gemm[i], onednn[i]);
                assertTrue(err <= TOLERANCE, names[i] + ": oneDNN differs from the GEMM cores by " + err
                        + " (relative to the largest)");
            }
            // AUTO takes oneDNN for these layers (more than 16 output channels): the same numbers.
            double[][] auto = ConvCoresAgreeTest.passes(Engine.ConvAlgorithm.AUTO, deconv, x, wt, b, dy, spec);
            for (int i = 0; i < names.length; i++) {
                assertArrayEquals(onednn[i], auto[i], names[i] + ": AUTO did not run oneDNN");
            }
        }
    }

    @Test
    void doublePrecisionKeepsTheEnginesCores() {
        requireOneDnn();
        try (Scope scope = Scope.open()) {
            SplittableRandom rng = new SplittableRandom(3);
            Tensor x = B.allocate(DType.F64, 1, 24, 9, 9).write(values(rng, 24 * 81, -1, 1));
            Tensor wt = B.allocate(DType.F64, 20, 24, 3, 3).write(values(rng, 20 * 24 * 9, -1, 1));
            Tensor y1 = B.allocate(DType.F64, 1, 20, 9, 9), y2 = B.allocate(DType.F64, 1, 20, 9, 9);
            Engine.setConvAlgorithm(Engine.ConvAlgorithm.ONEDNN);
            B.conv2dForward(x, wt, null, y1, ConvSpec.of(1, 1));
            Engine.setConvAlgorithm(Engine.ConvAlgorithm.GEMM);
            B.conv2dForward(x, wt, null, y2, ConvSpec.of(1, 1));
            assertArrayEquals(y2.toDoubleArray(), y1.toDoubleArray(), "double must run the engine's own cores");
        }
    }

    @Test
    void unknownAlgorithmIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Engine.convAlgorithm("mkl"));
    }

    /** A float tensor of `shape` with values uniform in [-1, 1). */
    private static Tensor random(SplittableRandom rng, long... shape) {
        double[] v = values(rng, Tensor.numelOf(shape), -1, 1);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return B.allocate(DType.F32, shape).write(f);
    }
}
