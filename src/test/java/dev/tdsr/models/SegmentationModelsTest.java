package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.io.WeightFormatException;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.GradCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The segmentation network and its loss: sizes, hand-computed loss, gradients in double, files. */
class SegmentationModelsTest {
    private static final int I = PixelCrossEntropy.IGNORE;
    private final SplittableRandom rnd = new SplittableRandom(7);

    @TempDir
    Path tmp;

    /**
     * One image of 1x2 pixels, two classes; pixel 0 has logits (0, ln 3) and label 1, pixel 1 is ignored:
     * softmax(0, ln 3) = (1/4, 3/4), so the mean over the one counted pixel is -ln(3/4) = ln(4/3), and its gradient
     * is softmax - onehot = (1/4, -1/4); the ignored pixel's gradient is 0.
     */
    @Test
    void handComputedLossIgnoresVoidPixels() {
        try (Scope s = Scope.open()) {
            // NCHW [1,2,1,2]: class 0 plane (0, 5), class 1 plane (ln 3, -5)
            Tensor logits = HostDoubles.of(GradCheck.cpu(), DType.F64, new double[] {0, 5, Math.log(3), -5}, 1, 2, 1, 2);
            PixelCrossEntropy.Targets t = PixelCrossEntropy.targets(GradCheck.cpu(), DType.F64, new int[] {1, I}, 1, 2,
                    1, 2);
            assertEquals(1, t.counted());
            assertEquals(Math.log(4.0 / 3), PixelCrossEntropy.value(logits, t), 1e-12);
            assertArrayEquals(new double[] {0.5, 0, -0.5, 0},
                    HostDoubles.read(PixelCrossEntropy.backward(logits, t, 2.0)), 1e-12);
        }
        assertThrows(IllegalArgumentException.class,
                () -> PixelCrossEntropy.targets(GradCheck.cpu(), DType.F64, new int[] {2, 0}, 1, 2, 1, 2));
    }

    @Test
    void pixelCrossEntropyGradientInDouble() {
        int n = 2;
        int k = 4;
        int h = 3;
        int w = 5;
        int[] labels = new int[n * h * w];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 7 == 3 ? I : rnd.nextInt(k);
        }
        Tensor logits = GradCheck.random(rnd, -2, 2, n, k, h, w);
        PixelCrossEntropy.Targets t;
        double[] grad;
        try (Scope s = Scope.open()) {
            t = PixelCrossEntropy.targets(GradCheck.cpu(), DType.F64, labels, n, k, h, w);
            t.labels().keep();
            t.rowWeight().keep();
            grad = HostDoubles.read(PixelCrossEntropy.backward(logits, t, 1.0));
        }
        final PixelCrossEntropy.Targets fixed = t;
        DoubleSupplier loss = () -> {
            try (Scope s = Scope.open()) {
                return PixelCrossEntropy.value(logits, fixed);
            }
        };
        GradCheck.check("pixel cross-entropy dlogits", logits, grad, GradCheck.sample(rnd, grad.length, 60), loss)
                .assertOk();
        logits.close();
        t.labels().close();
        t.rowWeight().close();
    }

    /**
     * width 4, 7 classes:
     * <pre>
     *   conv1 3*3*3*4 + 4 = 112      conv2 3*3*4*4 + 4 = 148      conv3 3*3*4*8 + 8 = 296
     *   conv4 3*3*8*8 + 8 = 584      classifier 8*7 + 7 = 63      upsample 8*8*7*7 + 7 = 3,143
     *   total 112 + 148 + 296 + 584 + 63 + 3,143 = 4,346
     * </pre>
     */
    @Test
    void fcnSizesAndShapes() {
        FcnConfig c = new FcnConfig(4, 7);
        assertEquals(4_346, c.parameterCount());
        try (Fcn f = new Fcn(c, GradCheck.cpu(), DType.F32, 1); Scope s = Scope.open()) {
            assertEquals(4_346, f.parameters().count());
            assertArrayEquals(new long[] {7, 7, 8, 8}, f.parameters().get("upsample.weight").shape());
            Tensor y = f.forward(GradCheck.cpu().allocate(DType.F32, 2, 3, 24, 16).fill(0.5));
            assertArrayEquals(new long[] {2, 7, 24, 16}, y.shape());
            assertThrows(IllegalArgumentException.class,
                    () -> f.forward(GradCheck.cpu().allocate(DType.F32, 1, 3, 10, 12)));
        }
    }

    /** The bilinear init upsamples a constant map to the same constant away from the borders (FCN's intent). */
    @Test
    void upsamplingStartsBilinear() {
        double[] v = new double[2 * 2 * 8 * 8];
        Fcn.bilinear().fill(v, new long[] {2, 2, 8, 8}, rnd);
        // factor 4, centre 3.5: the 1-D kernel is (1 - |i - 3.5| / 4) = 1/8, 3/8, 5/8, 7/8, 7/8, 5/8, 3/8, 1/8
        assertEquals(1.0 / 64, v[0], 1e-15);
        assertEquals(49.0 / 64, v[3 * 8 + 3], 1e-15);
        assertEquals(0.0, v[64], 1e-15); // class 0 -> class 1: zero
        assertEquals(1.0 / 64, v[3 * 64], 1e-15); // class 1 -> class 1
    }

    @Test
    void fcnGradientsInDouble() {
        try (Fcn f = new Fcn(new FcnConfig(2, 3), GradCheck.cpu(), DType.F64, 3)) {
            GradCheck.randomize(f.parameters(), rnd, -0.5, 0.5);
            Tensor x = GradCheck.random(rnd, 0, 1, 1, 3, 8, 8);
            GradCheck.checkLayer("fcn", f, f.parameters(), x, 12, 11);
        }
    }

    /**
     * GPU suite: the FCN's logits, its input gradient through the pixel loss (with ignored pixels) and the loss value
     * on CUDA against the CPU, same weights and inputs (skips visibly without a GPU). No op of its own is new; this
     * checks the composition (row layout, row weights, transposed conv) on the device.
     */
    @Test
    void fcnAndPixelLossOnCudaMatchTheCpu() {
        dev.tdsr.engine.Backend gpu = dev.tdsr.testing.TestBackends.cudaOrSkip();
        int[] labels = new int[2 * 16 * 12];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 5 == 0 ? I : i % 3;
        }
        double[][] results = new double[2][];
        double[] losses = new double[2];
        int k = 0;
        for (dev.tdsr.engine.Backend b : List.of(GradCheck.cpu(), gpu)) {
            try (Fcn f = new Fcn(new FcnConfig(4, 3), b, DType.F32, 9); Scope s = Scope.open()) {
                Tensor x = GradCheck.random(b, DType.F32, new SplittableRandom(3), 0, 1, 2, 3, 16, 12);
                Tensor logits = f.forward(x);
                PixelCrossEntropy.Targets t = PixelCrossEntropy.targets(b, DType.F32, labels, 2, 3, 16, 12);
                losses[k] = PixelCrossEntropy.value(logits, t);
                double[] dx = HostDoubles.read(f.backward(PixelCrossEntropy.backward(logits, t, 1.0)));
                double[] y = HostDoubles.read(logits);
                double[] both = java.util.Arrays.copyOf(y, y.length + dx.length);
                System.arraycopy(dx, 0, both, y.length, dx.length);
                results[k++] = both;
            }
        }
        dev.tdsr.testing.TestBackends.Tolerance tol = new dev.tdsr.testing.TestBackends.Tolerance(1e-4, 1e-6);
        assertTrue(tol.accepts(losses[0], losses[1]), "loss cpu " + losses[0] + ", gpu " + losses[1]);
        for (int i = 0; i < results[0].length; i++) {
            assertTrue(tol.accepts(results[0][i], results[1][i]), "element " + i + ": cpu " + results[0][i]
                    + ", gpu " + results[1][i]);
        }
    }

    private static List<dev.tdsr.data.SegmentationMask> masks(SplittableRandom rnd, int n, int classes, int side) {
        List<dev.tdsr.data.SegmentationMask> out = new java.util.ArrayList<>();
        for (int k = 0; k < n; k++) {
            byte[] l = new byte[side * side];
            for (int i = 0; i < l.length; i++) {
                l[i] = (byte) (i % 9 == 0 ? I : rnd.nextInt(classes));
            }
            out.add(new dev.tdsr.data.SegmentationMask(side, side, l));
        }
        return out;
    }

    /** The task interface: image gradient of weight * CE in double, frozen = no parameter gradient, trainable = some. */
    @Test
    void segmentationTaskNetworkImageGradient() {
        List<String> names = List.of("background", "a", "b");
        try (SegmentationTaskNetwork task = new SegmentationTaskNetwork(
                new Fcn(new FcnConfig(2, 3), GradCheck.cpu(), DType.F64, 4), names)) {
            GradCheck.randomize(task.parameters(), rnd, -0.5, 0.5);
            List<dev.tdsr.data.SegmentationMask> m = masks(rnd, 2, 3, 8);
            Tensor x = GradCheck.random(rnd, 0, 1, 2, 3, 8, 8);
            task.setTrainable(false);
            double[] dx;
            try (Scope s = Scope.open()) {
                task.parameters().zeroGrad();
                TaskNetwork.Gradient g = task.lossGradient(GradCheck.copy(x), m, 0.7);
                assertEquals(g.loss().total(), g.loss().part("ce"));
                dx = HostDoubles.read(g.dImages());
            }
            assertEquals(0.0, java.util.Arrays.stream(HostDoubles.read(task.parameters().gradSlab()))
                    .map(Math::abs).sum(), "frozen: no parameter gradient");
            DoubleSupplier loss = () -> {
                try (Scope s = Scope.open()) {
                    return 0.7 * task.loss(GradCheck.copy(x), m).total();
                }
            };
            GradCheck.check("segmentation task dImages", x, dx, GradCheck.sample(rnd, dx.length, 30), loss)
                    .assertOk();
            task.setTrainable(true);
            try (Scope s = Scope.open()) {
                task.lossGradient(GradCheck.copy(x), m, 1.0);
            }
            assertTrue(java.util.Arrays.stream(HostDoubles.read(task.parameters().gradSlab())).anyMatch(v -> v != 0),
                    "trainable: parameter gradients accumulate");
            x.close();
        }
    }

    /** Feature taps: the image gradient of sum_t r_t . features_t over two taps, in double. */
    @Test
    void segmentationFeatureTapsGradient() {
        try (SegmentationTaskNetwork task = new SegmentationTaskNetwork(
                new Fcn(new FcnConfig(2, 3), GradCheck.cpu(), DType.F64, 6), List.of("background", "a", "b"))) {
            GradCheck.randomize(task.parameters(), rnd, -0.5, 0.5);
            task.setTrainable(false);
            assertEquals(List.of("conv2", "conv3", "conv4"), task.featureTaps());
            List<String> taps = List.of("conv2", "conv4");
            Tensor x = GradCheck.random(rnd, 0, 1, 1, 3, 8, 8);
            double[] r2;
            double[] r4;
            double[] dx;
            try (Scope s = Scope.open()) {
                java.util.Map<String, Tensor> f = task.features(GradCheck.copy(x), taps);
                assertArrayEquals(new long[] {1, 2, 8, 8}, f.get("conv2").shape());
                assertArrayEquals(new long[] {1, 4, 2, 2}, f.get("conv4").shape());
                r2 = GradCheck.values(rnd, f.get("conv2").numel(), -1, 1);
                r4 = GradCheck.values(rnd, f.get("conv4").numel(), -1, 1);
                dx = HostDoubles.read(task.featuresBackward(java.util.Map.of(
                        "conv2", HostDoubles.of(GradCheck.cpu(), DType.F64, r2, f.get("conv2").shape()),
                        "conv4", HostDoubles.of(GradCheck.cpu(), DType.F64, r4, f.get("conv4").shape()))));
            }
            final double[] w2 = r2;
            final double[] w4 = r4;
            DoubleSupplier loss = () -> {
                try (Scope s = Scope.open()) {
                    java.util.Map<String, Tensor> f = task.features(GradCheck.copy(x), taps);
                    return GradCheck.dot(f.get("conv2"), w2) + GradCheck.dot(f.get("conv4"), w4);
                }
            };
            GradCheck.check("segmentation feature taps dImages", x, dx, GradCheck.sample(rnd, dx.length, 30), loss)
                    .assertOk();
            assertThrows(IllegalArgumentException.class, () -> task.features(x, List.of("fc7")));
            x.close();
        }
    }

    @Test
    void saveLoadRoundTrip() throws IOException {
        List<String> names = List.of("background", "disc-dots", "square-stripes");
        try (Fcn f = new Fcn(new FcnConfig(3, 3), GradCheck.cpu(), DType.F32, 5)) {
            ModelFiles.save(tmp.resolve("fcn"), f, names);
            ModelFiles.LoadedFcn l = ModelFiles.loadFcn(tmp.resolve("fcn"), GradCheck.cpu());
            try (Fcn g = l.model()) {
                assertEquals(names, l.classNames());
                assertEquals(f.config(), g.config());
                assertArrayEquals(f.parameters().slab().toFloatArray(), g.parameters().slab().toFloatArray());
            }
        }
        // the task interface's loader knows the kind
        try (TaskNetwork<?> t = ModelFiles.loadTaskNetwork(tmp.resolve("fcn"), GradCheck.cpu())) {
            assertEquals("segmentation", t.kind());
            assertEquals(names, ((SegmentationTaskNetwork) t).classNames());
        }
        // an FCN folder is not a D-DBPN and says so
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> ModelFiles.loadDbpn(tmp.resolve("fcn"), GradCheck.cpu(), null));
        assertTrue(e.getMessage().contains("describes a 'fcn' model, expected 'dbpn'"), e.getMessage());
        assertTrue(Files.isRegularFile(tmp.resolve("fcn").resolve(ModelFiles.WEIGHTS)));
    }
}
