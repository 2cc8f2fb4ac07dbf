package dev.tdsr.engine;

import static dev.tdsr.testing.GradCheck.sample;
import static dev.tdsr.testing.GradCheck.values;
import static dev.tdsr.testing.GradCheck.weighted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import dev.tdsr.testing.GradCheck;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Finite-difference gradient checks, in double precision through the real JNI layer, of every CPU op that has a
 * backward pass: input gradients and parameter gradients, exhaustive on tiny shapes that include D-DBPN's projection
 * kernels (6/2/2, 8/4/2, 12/8/2) and SSD's pooling/dilation cases.
 */
class KernelGradientTest {
    private static final Backend B = CpuBackend.get();
    private SplittableRandom rng;
    private Scope scope;

    @BeforeEach
    void open() {
        rng = new SplittableRandom(42);
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** Checks one gradient against central differences and fails with the report. */
    private static void check(String what, Tensor t, double[] analytic, int[] coords, DoubleSupplier loss) {
        GradCheck.check(what, t, analytic, coords, loss).assertOk();
    }

    private static int[] all(Tensor t) {
        return java.util.stream.IntStream.range(0, Math.toIntExact(t.numel())).toArray();
    }

    private Tensor f64(long... shape) {
        return B.allocate(DType.F64, shape).write(values(rng, Tensor.numelOf(shape), -1, 1));
    }

    private Tensor zeros(long... shape) {
        return B.allocate(DType.F64, shape);
    }

    private Tensor like(Tensor t) {
        return zeros(t.shape());
    }

    private Tensor dyFor(Tensor y, double[] r) {
        return like(y).write(r);
    }

    // ---- convolution ----

    static Stream<Arguments> convCases() {
        return Stream.of(
                // n, cin, cout, h, w, k, stride, pad, dilation
                Arguments.of(2, 3, 4, 5, 5, 3, 1, 1, 1),
                Arguments.of(2, 3, 2, 7, 6, 3, 2, 1, 1),
                Arguments.of(1, 3, 2, 5, 5, 1, 1, 0, 1), // pointwise: plain GEMM path
                Arguments.of(2, 2, 3, 7, 7, 3, 1, 2, 2), // dilated like SSD conv6
                Arguments.of(2, 3, 2, 6, 6, 2, 3, 0, 1), // stride > kernel
                Arguments.of(2, 3, 2, 8, 8, 6, 2, 2, 1), // D-DBPN 2x down-projection
                Arguments.of(2, 3, 2, 12, 12, 8, 4, 2, 1), // D-DBPN 4x
                Arguments.of(1, 2, 2, 24, 24, 12, 8, 2, 1)); // D-DBPN 8x
    }

    @ParameterizedTest(name = "conv2d n{0} c{1}->{2} {3}x{4} k{5} s{6} p{7} d{8}")
    @MethodSource("convCases")
    void conv2d(int n, int cin, int cout, int h, int w, int k, int s, int p, int d) {
        forEachConvCore(() -> conv2dCase(n, cin, cout, h, w, k, s, p, d));
    }

    /** Runs {@code check} under the im2col + GEMM cores and under the direct cores (both are gradient-checked). */
    private static void forEachConvCore(Runnable check) {
        try {
            for (Engine.ConvAlgorithm a : List.of(Engine.ConvAlgorithm.GEMM, Engine.ConvAlgorithm.DIRECT)) {
                Engine.setConvAlgorithm(a);
                try {
                    check.run();
                } catch (AssertionError e) {
                    throw new AssertionError(a + " cores: " + e.getMessage(), e);
                }
            }
        } finally {
            Engine.setConvAlgorithm(Engine.ConvAlgorithm.AUTO);
        }
    }

    private void conv2dCase(int n, int cin, int cout, int h, int w, int k, int s, int p, int d) {
        ConvSpec spec = ConvSpec.of(s, p, d);
        Tensor x = f64(n, cin, h, w);
        Tensor wt = f64(cout, cin, k, k);
        Tensor b = f64(cout);
        Tensor y = zeros(n, cout, ConvSpec.convOutput(h, k, s, p, d), ConvSpec.convOutput(w, k, s, p, d));
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor dy = dyFor(y, r);
        Tensor dx = like(x);
        Tensor dw = like(wt);
        Tensor db = like(b);
        B.conv2dBackwardInput(dy, wt, dx, spec);
        B.conv2dBackwardParams(dy, x, dw, db, spec);
        DoubleSupplier f = weighted(() -> B.conv2dForward(x, wt, b, y, spec), y, r);
        check("conv2d dx", x, dx.toDoubleArray(), all(x), f);
        check("conv2d dw", wt, dw.toDoubleArray(), sample(rng, (int) wt.numel(), 400), f);
        check("conv2d db", b, db.toDoubleArray(), all(b), f);
    }

    static Stream<Arguments> deconvCases() {
        return Stream.of(
                // n, cin, cout, h, w, k, stride, pad, output padding
                Arguments.of(2, 3, 2, 3, 3, 6, 2, 2, 0), // D-DBPN 2x up-projection
                Arguments.of(2, 3, 2, 3, 3, 8, 4, 2, 0), // D-DBPN 4x
                Arguments.of(1, 2, 2, 3, 3, 12, 8, 2, 0), // D-DBPN 8x
                Arguments.of(2, 2, 3, 4, 5, 3, 1, 1, 0),
                Arguments.of(1, 2, 2, 3, 3, 3, 2, 1, 1)); // output padding
    }

    @ParameterizedTest(name = "deconv2d n{0} c{1}->{2} {3}x{4} k{5} s{6} p{7} op{8}")
    @MethodSource("deconvCases")
    void deconv2d(int n, int cin, int cout, int h, int w, int k, int s, int p, int op) {
        forEachConvCore(() -> deconv2dCase(n, cin, cout, h, w, k, s, p, op));
    }

    private void deconv2dCase(int n, int cin, int cout, int h, int w, int k, int s, int p, int op) {
        ConvSpec spec = ConvSpec.of(s, p);
        Tensor x = f64(n, cin, h, w);
        Tensor wt = f64(cin, cout, k, k);
        Tensor b = f64(cout);
        Tensor y = zeros(n, cout, ConvSpec.deconvOutput(h, k, s, p, op), ConvSpec.deconvOutput(w, k, s, p, op));
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor dy = dyFor(y, r);
        Tensor dx = like(x);
        Tensor dw = like(wt);
        Tensor db = like(b);
        B.deconv2dBackwardInput(dy, wt, dx, spec);
        B.deconv2dBackwardParams(dy, x, dw, db, spec);
        DoubleSupplier f = weighted(() -> B.deconv2dForward(x, wt, b, y, spec), y, r);
        check("deconv2d dx", x, dx.toDoubleArray(), all(x), f);
        check("deconv2d dw", wt, dw.toDoubleArray(), sample(rng, (int) wt.numel(), 400), f);
        check("deconv2d db", b, db.toDoubleArray(), all(b), f);
    }

    @Test
    void parameterGradientsAccumulate() {
        ConvSpec spec = ConvSpec.of(1, 1);
        Tensor x = f64(2, 3, 5, 5);
        Tensor wt = f64(4, 3, 3, 3);
        Tensor dy = f64(2, 4, 5, 5);
        Tensor once = like(wt);
        Tensor twice = like(wt);
        B.conv2dBackwardParams(dy, x, once, null, spec);
        B.conv2dBackwardParams(dy, x, twice, null, spec);
        B.conv2dBackwardParams(dy, x, twice, null, spec);
        double[] a = once.toDoubleArray();
        double[] t = twice.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            a[i] *= 2;
        }
        assertArrayEquals(a, t, 1e-12, "dw must accumulate (+=) across calls");
    }

    // ---- activations ----

    @Test
    void preluSharedAndPerChannel() {
        for (int alphas : new int[] {1, 3}) {
            Tensor x = f64(2, 3, 4, 4);
            Tensor alpha = B.allocate(DType.F64, alphas).write(values(rng, alphas, 0.1, 0.4));
            Tensor y = like(x);
            double[] r = values(rng, y.numel(), -1, 1);
            Tensor dx = like(x);
            Tensor da = like(alpha);
            B.preluBackward(x, alpha, dyFor(y, r), dx, da);
            DoubleSupplier f = weighted(() -> B.preluForward(x, alpha, y), y, r);
            check("prelu(" + alphas + ") dx", x, dx.toDoubleArray(), all(x), f);
            check("prelu(" + alphas + ") dalpha", alpha, da.toDoubleArray(), all(alpha), f);
        }
    }

    @Test
    void relu() {
        Tensor x = f64(2, 3, 4, 4);
        Tensor y = like(x);
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor dx = like(x);
        B.reluBackward(x, dyFor(y, r), dx);
        check("relu dx", x, dx.toDoubleArray(), all(x), weighted(() -> B.reluForward(x, y), y, r));
    }

    // ---- pooling and normalisation ----

    static Stream<Arguments> poolCases() {
        return Stream.of(
                // h, w, k, stride, pad, ceil
                Arguments.of(5, 5, 2, 2, 0, true), // SSD pool3 (ceil_mode) on an odd size
                Arguments.of(5, 5, 3, 1, 1, false), // SSD pool5 3x3/s1/p1
                Arguments.of(6, 7, 2, 2, 0, false),
                Arguments.of(6, 6, 3, 2, 1, true));
    }

    @ParameterizedTest(name = "maxpool {0}x{1} k{2} s{3} p{4} ceil={5}")
    @MethodSource("poolCases")
    void maxPool(int h, int w, int k, int s, int p, boolean ceil) {
        PoolSpec spec = PoolSpec.of(k, s, p, ceil);
        Tensor x = f64(2, 2, h, w);
        Tensor y = zeros(2, 2, PoolSpec.output(h, k, s, p, ceil), PoolSpec.output(w, k, s, p, ceil));
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor dx = like(x);
        B.maxPool2dBackward(x, dyFor(y, r), dx, spec);
        check("maxpool dx", x, dx.toDoubleArray(), all(x), weighted(() -> B.maxPool2dForward(x, y, spec), y, r));
    }

    @Test
    void l2Norm() {
        Tensor x = f64(2, 5, 3, 3);
        Tensor scale = B.allocate(DType.F64, 5).write(values(rng, 5, 10, 20));
        Tensor y = like(x);
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor dx = like(x);
        Tensor ds = like(scale);
        B.l2NormBackward(x, scale, dyFor(y, r), dx, ds, 1e-10);
        DoubleSupplier f = weighted(() -> B.l2NormForward(x, scale, y, 1e-10), y, r);
        check("l2norm dx", x, dx.toDoubleArray(), all(x), f);
        check("l2norm dscale", scale, ds.toDoubleArray(), all(scale), f);
    }

    @Test
    void channelAffine() {
        Tensor x = f64(2, 3, 4, 4);
        Tensor a = f64(3);
        Tensor b = f64(3);
        Tensor y = like(x);
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor dx = like(x);
        Tensor da = like(a);
        Tensor db = like(b);
        B.channelAffineBackward(x, a, dyFor(y, r), dx, da, db);
        DoubleSupplier f = weighted(() -> B.channelAffineForward(x, a, b, y), y, r);
        check("affine dx", x, dx.toDoubleArray(), all(x), f);
        check("affine da", a, da.toDoubleArray(), all(a), f);
        check("affine db", b, db.toDoubleArray(), all(b), f);
    }

    @Test
    void concatAndSplit() {
        Tensor a = f64(2, 2, 3, 3);
        Tensor b = f64(2, 3, 3, 3);
        Tensor y = zeros(2, 5, 3, 3);
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor da = like(a);
        Tensor db = like(b);
        B.splitChannels(dyFor(y, r), List.of(da, db), false);
        DoubleSupplier f = weighted(() -> B.concatChannels(List.of(a, b), y), y, r);
        check("concat da", a, da.toDoubleArray(), all(a), f);
        check("concat db", b, db.toDoubleArray(), all(b), f);
        // accumulate = true adds the slice to what is there (dense connections of D-DBPN).
        double[] before = da.toDoubleArray();
        B.splitChannels(dyFor(y, r), List.of(da, db), true);
        double[] after = da.toDoubleArray();
        for (int i = 0; i < before.length; i++) {
            before[i] *= 2;
        }
        assertArrayEquals(before, after, 1e-12);
    }

    // ---- losses ----

    @Test
    void mse() {
        Tensor a = f64(2, 3, 4, 4);
        Tensor t = f64(2, 3, 4, 4);
        Tensor da = like(a);
        B.mseBackward(a, t, 0.7, da);
        check("mse da", a, da.toDoubleArray(), all(a), () -> 0.7 * B.mseForward(a, t));
    }

    @Test
    void smoothL1Weighted() {
        Tensor x = B.allocate(DType.F64, 6, 4).write(values(rng, 24, -3, 3));
        Tensor t = f64(6, 4);
        double[] wv = values(rng, 24, 0, 2);
        wv[3] = 0; // masked coordinate (unmatched prior)
        Tensor w = B.allocate(DType.F64, 6, 4).write(wv);
        Tensor dx = like(x);
        B.smoothL1Backward(x, t, w, 0.5, dx);
        check("smoothL1 dx", x, dx.toDoubleArray(), all(x), () -> 0.5 * B.smoothL1Forward(x, t, w));
    }

    @Test
    void softmaxCrossEntropy() {
        int rows = 7;
        int classes = 5;
        Tensor logits = B.allocate(DType.F64, rows, classes).write(values(rng, rows * classes, -4, 4));
        int[] lv = new int[rows];
        for (int i = 0; i < rows; i++) {
            lv[i] = rng.nextInt(classes);
        }
        Tensor labels = B.allocate(DType.I32, rows).write(lv);
        double[] wv = values(rng, rows, 0, 1);
        wv[2] = 0; // an unselected row of hard negative mining
        Tensor w = B.allocate(DType.F64, rows).write(wv);
        Tensor rowLoss = zeros(rows);
        Tensor dl = like(logits);
        B.softmaxCrossEntropyBackward(logits, labels, w, dl);
        check("softmax-xent dlogits", logits, dl.toDoubleArray(), all(logits),
                weighted(() -> B.softmaxCrossEntropyForward(logits, labels, rowLoss), rowLoss, wv));
    }

    @Test
    void crop2d() {
        Tensor x = f64(2, 3, 7, 6);
        Tensor y = zeros(2, 3, 4, 4);
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor dx = like(x);
        B.crop2dBackward(dyFor(y, r), dx, 1, 2);
        check("crop2d dx", x, dx.toDoubleArray(), all(x), weighted(() -> B.crop2dForward(x, y, 1, 2), y, r));
    }

    // ---- the SRGAN ops ----

    @Test
    void leakyRelu() {
        Tensor x = f64(2, 3, 4, 4);
        Tensor y = like(x);
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor dx = like(x);
        B.leakyReluBackward(x, dyFor(y, r), dx, 0.2);
        check("leaky relu dx", x, dx.toDoubleArray(), all(x), weighted(() -> B.leakyReluForward(x, y, 0.2), y, r));
    }

    @Test
    void batchNormTrainingAndInference() {
        for (boolean training : new boolean[] {true, false}) {
            for (long[] shape : new long[][] {{3, 4, 3, 2}, {5, 6}}) {
                Tensor x = f64(shape);
                int c = (int) shape[1];
                Tensor gamma = B.allocate(DType.F64, c).write(values(rng, c, 0.5, 1.5));
                Tensor beta = f64(c);
                Tensor rm = f64(c);
                Tensor rv = B.allocate(DType.F64, c).write(values(rng, c, 0.5, 2));
                double[] rm0 = rm.toDoubleArray();
                double[] rv0 = rv.toDoubleArray();
                Tensor sm = zeros(c);
                Tensor si = zeros(c);
                Tensor y = like(x);
                double[] r = values(rng, y.numel(), -1, 1);
                // momentum 0 keeps the running statistics fixed while the finite differences run the forward
                DoubleSupplier f = weighted(() -> B.batchNormForward(x, gamma, beta, rm, rv, sm, si, y, training, 0,
                        1e-5), y, r);
                f.getAsDouble();
                Tensor dx = like(x);
                Tensor dg = like(gamma);
                Tensor db = like(beta);
                B.batchNormBackward(x, gamma, sm, si, dyFor(y, r), dx, dg, db, training);
                String what = "batchnorm(" + (training ? "train" : "eval") + ", " + shape.length + "-d)";
                check(what + " dx", x, dx.toDoubleArray(), all(x), f);
                check(what + " dgamma", gamma, dg.toDoubleArray(), all(gamma), f);
                check(what + " dbeta", beta, db.toDoubleArray(), all(beta), f);
                assertArrayEquals(rm0, rm.toDoubleArray(), 0, "momentum 0 leaves the running mean");
                assertArrayEquals(rv0, rv.toDoubleArray(), 0, "momentum 0 leaves the running variance");
            }
        }
    }

    @Test
    void batchNormStatisticsAsPyTorch() {
        // x per channel: channel 0 = 1..4, channel 1 = 2, 4, 6, 8 over N=2, P=2.
        Tensor x = B.allocate(DType.F64, 2, 2, 2).write(new double[] {1, 2, 2, 4, 3, 4, 6, 8});
        Tensor gamma = B.allocate(DType.F64, 2).write(new double[] {1, 1});
        Tensor beta = zeros(2);
        Tensor rm = zeros(2);
        Tensor rv = B.allocate(DType.F64, 2).write(new double[] {1, 1});
        Tensor sm = zeros(2);
        Tensor si = zeros(2);
        Tensor y = like(x);
        B.batchNormForward(x, gamma, beta, rm, rv, sm, si, y, true, 0.1, 1e-5);
        // mean 2.5 / 5; biased var 1.25 / 5; unbiased 5/3 / 20/3
        assertArrayEquals(new double[] {2.5, 5}, sm.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {1 / Math.sqrt(1.25 + 1e-5), 1 / Math.sqrt(5 + 1e-5)}, si.toDoubleArray(),
                1e-12);
        assertArrayEquals(new double[] {0.25, 0.5}, rm.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {0.9 + 0.1 * 5 / 3.0, 0.9 + 0.1 * 20 / 3.0}, rv.toDoubleArray(), 1e-12);
        // inference mode normalises with the running statistics and leaves them unchanged
        B.batchNormForward(x, gamma, beta, rm, rv, sm, si, y, false, 0.1, 1e-5);
        assertArrayEquals(new double[] {0.25, 0.5}, sm.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {0.25, 0.5}, rm.toDoubleArray(), 1e-12);
        assertEquals((1 - 0.25) / Math.sqrt(0.9 + 0.1 * 5 / 3.0 + 1e-5), y.toDoubleArray()[0], 1e-12);
    }

    @Test
    void pixelShuffle() {
        Tensor x = f64(2, 8, 3, 2);
        Tensor y = zeros(2, 2, 6, 4);
        double[] r = values(rng, y.numel(), -1, 1);
        Tensor dx = like(x);
        B.pixelShuffleBackward(dyFor(y, r), dx, 2);
        check("pixel shuffle dx", x, dx.toDoubleArray(), all(x), weighted(() -> B.pixelShuffleForward(x, y, 2), y, r));
        // PyTorch's order: y[n, c, h*r+i, w*r+j] = x[n, c*r*r + i*r + j, h, w]
        double[] xv = x.toDoubleArray();
        double[] yv = y.toDoubleArray();
        int n = 1, c = 1, h = 2, w = 1, i = 1, j = 0;
        assertEquals(xv[((n * 8 + c * 4 + i * 2 + j) * 3 + h) * 2 + w], yv[((n * 2 + c) * 6 + h * 2 + i) * 4 + w * 2 + j]);
    }

    @Test
    void bceWithLogits() {
        Tensor x = B.allocate(DType.F64, 5, 3).write(values(rng, 15, -6, 6));
        Tensor t = B.allocate(DType.F64, 5, 3).write(values(rng, 15, 0, 1));
        Tensor dx = like(x);
        B.bceLogitsBackward(x, t, 0.3, dx);
        check("bce-logits dx", x, dx.toDoubleArray(), all(x), () -> 0.3 * B.bceLogitsForward(x, t));
        // the value at one point: x = 0, t = 1 gives log 2; a large logit stays finite
        Tensor one = B.allocate(DType.F64, 2).write(new double[] {0, 800});
        Tensor ones = B.allocate(DType.F64, 2).write(new double[] {1, 0});
        assertEquals((Math.log(2) + 800) / 2, B.bceLogitsForward(one, ones), 1e-12);
    }
}
