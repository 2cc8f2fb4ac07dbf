package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.io.WeightFormatException;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.GradCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SSD + MultiBoxLoss through the {@link TaskNetwork} interface: gradients, freezing, feature taps, files. */
class SsdTaskNetworkTest {
    private final SplittableRandom rnd = new SplittableRandom(61);
    private static final List<GroundTruth> BOXES = List.of(new GroundTruth(
            new double[] {0.1, 0.15, 0.5, 0.6, 0.55, 0.3, 0.95, 0.8}, new int[] {0, 2}));

    @Test
    void lossGradientIsTheWeightedImageGradientAndAFrozenSlabStaysUntouched() {
        SsdTaskNetwork net = new SsdTaskNetwork(new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F64, 3));
        net.setTrainable(false);
        net.parameters().gradSlab().fill(7);
        Tensor img = GradCheck.random(rnd, 0, 1, 1, 3, 272, 272);
        double weight = 0.5;
        double[] analytic;
        MultiBoxLoss.Assignment fixed;
        TaskLoss loss;
        try (Scope sc = Scope.open()) {
            TaskNetwork.Gradient g = net.lossGradient(img, BOXES, weight);
            analytic = HostDoubles.read(g.dImages());
            loss = g.loss();
            fixed = net.lastAssignment().keep();
        }
        assertEquals(List.of("loc", "conf"), List.copyOf(loss.parts().keySet()));
        assertEquals(loss.part("loc") + loss.part("conf"), loss.total(), 1e-12);
        assertTrue(loss.part("loc") > 0 && loss.part("conf") > 0, loss.toString());
        net.fixAssignment(fixed);
        GradCheck.check("ssd task network dImages", img, analytic, GradCheck.sample(rnd, analytic.length, 12), () -> {
            try (Scope sc = Scope.open()) {
                return weight * net.loss(img, BOXES).total();
            }
        }).assertOk();
        for (double v : HostDoubles.read(net.parameters().gradSlab())) {
            assertEquals(7, v);
        }
    }

    @Test
    void sameNumbersAsSsdAndMultiBoxLossCalledDirectly() {
        Ssd ssd = new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F32, 4);
        SsdTaskNetwork net = new SsdTaskNetwork(ssd);
        net.setTrainable(true);
        Tensor img = GradCheck.random(GradCheck.cpu(), DType.F32, rnd, 0, 1, 2, 3, 272, 272);
        List<GroundTruth> two = List.of(BOXES.get(0), new GroundTruth(new double[] {0.2, 0.2, 0.7, 0.9},
                new int[] {1}));
        try (Scope sc = Scope.open()) {
            ssd.parameters().zeroGrad();
            TaskNetwork.Gradient g = net.lossGradient(img, two, 0.25);
            float[] viaInterface = g.dImages().toFloatArray();
            float[] paramsViaInterface = ssd.parameters().gradSlab().toFloatArray();

            ssd.parameters().zeroGrad();
            MultiBoxLoss mb = new MultiBoxLoss(ssd.priors(), ssd.config().numClasses());
            Ssd.Output out = ssd.forward(img);
            MultiBoxLoss.Assignment a = mb.assign(out.conf(), two);
            MultiBoxLoss.Value v = mb.value(a, out.loc(), out.conf());
            MultiBoxLoss.Gradients d = mb.backward(a, out.loc(), out.conf(), 0.25);
            float[] direct = ssd.backward(d.dloc(), d.dconf()).toFloatArray();
            assertArrayEquals(direct, viaInterface);
            assertArrayEquals(ssd.parameters().gradSlab().toFloatArray(), paramsViaInterface);
            assertEquals(v.total(), g.loss().total());
            assertTrue(java.util.Arrays.stream(boxed(paramsViaInterface)).anyMatch(x -> x != 0),
                    "a trainable network leaves parameter gradients");
        }
    }

    private static Double[] boxed(float[] f) {
        Double[] d = new Double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = (double) f[i];
        }
        return d;
    }

    @Test
    void featureTapsBackpropagateToTheImage() {
        SsdTaskNetwork net = new SsdTaskNetwork(new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F64, 5));
        net.setTrainable(false);
        Tensor img = GradCheck.random(rnd, 0, 1, 1, 3, 272, 272);
        List<String> taps = List.of("fc7", "conv4_3"); // any order: computed shallow to deep
        double[][] r = new double[2][];
        double[] analytic;
        try (Scope sc = Scope.open()) {
            Map<String, Tensor> f = net.features(img, taps);
            assertEquals(List.of("conv4_3", "fc7"), List.copyOf(f.keySet()));
            Map<String, Tensor> d = new LinkedHashMap<>();
            int k = 0;
            for (String t : f.keySet()) {
                r[k] = GradCheck.values(rnd, f.get(t).numel(), -1, 1);
                d.put(t, GradCheck.cpu().allocate(DType.F64, f.get(t).shape()).write(r[k++]));
            }
            analytic = HostDoubles.read(net.featuresBackward(d));
        }
        GradCheck.check("ssd feature taps conv4_3+fc7 dImages", img, analytic,
                GradCheck.sample(rnd, analytic.length, 12), () -> {
                    try (Scope sc = Scope.open()) {
                        Map<String, Tensor> f = net.features(img, taps);
                        return GradCheck.dot(f.get("conv4_3"), r[0]) + GradCheck.dot(f.get("fc7"), r[1]);
                    }
                }).assertOk();
    }

    @Test
    void badTapsAreOneLineErrorsNamingTheTaps() {
        SsdTaskNetwork net = new SsdTaskNetwork(new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F32, 6));
        Tensor img = GradCheck.random(GradCheck.cpu(), DType.F32, rnd, 0, 1, 1, 3, 272, 272);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.features(img, List.of("conv9")));
        assertTrue(e.getMessage().contains("conv9") && e.getMessage().contains("conv4_3"), e.getMessage());
        assertEquals(List.of("conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3", "fc7"), net.featureTaps());
    }

    @Test
    void savedNetworkLoadsBackByItsKindAndUserKindsRegister(@TempDir Path dir) throws Exception {
        SsdTaskNetwork net = new SsdTaskNetwork(new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F32, 7));
        net.save(dir.resolve("det"));
        TaskNetwork<?> back = ModelFiles.loadTaskNetwork(dir.resolve("det"), GradCheck.cpu());
        assertInstanceOf(SsdTaskNetwork.class, back);
        assertEquals("detection", back.kind());
        assertArrayEquals(net.parameters().slab().toFloatArray(), back.parameters().slab().toFloatArray());

        Path own = dir.resolve("own");
        ModelFiles.save(own, "{\"model\": \"test-own-kind\", \"size\": 3}", net.parameters());
        WeightFormatException unknown = assertThrows(WeightFormatException.class,
                () -> ModelFiles.loadTaskNetwork(own, GradCheck.cpu()));
        assertTrue(unknown.getMessage().contains("test-own-kind") && unknown.getMessage().contains("ssd300"),
                unknown.getMessage());
        ModelFiles.registerTaskNetwork("test-own-kind", (d, backend) -> {
            assertTrue(Files.readString(d.resolve(ModelFiles.CONFIG)).contains("\"size\": 3"));
            return net;
        });
        assertEquals(net, ModelFiles.loadTaskNetwork(own, GradCheck.cpu()));
    }
}
