package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.nn.Parameter;
import dev.tdsr.nn.ParameterSet;
import dev.tdsr.testing.GradCheck;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SsdTest {
    static final SsdConfig TINY = new SsdConfig(272, 1.0 / 32, 4, PriorBoxes.Sizes.VOC, false);
    private final SplittableRandom rnd = new SplittableRandom(5);
    /** FD step for image inputs: the loss sums ~50k outputs of a x255 input, so 1e-6 is roundoff-bound (measured:
     * rel. error 6e-7 at 1e-6, 2e-5 at 1e-7, 9e-8 at 1e-5). */
    static final double H = 1e-5;

    @Test
    void vocStateDictNamesShapesAndCount() {
        Ssd ssd = new Ssd(SsdConfig.voc(), GradCheck.cpu(), DType.F32, 1);
        ParameterSet ps = ssd.parameters();
        assertEquals(26_285_486, ps.count());
        List<Parameter> list = ps.list();
        assertEquals(71, list.size());
        assertEquals("vgg.0.weight", list.get(0).name());
        assertEquals("vgg.33.bias", list.get(29).name());
        assertEquals("L2Norm.weight", list.get(30).name());
        assertEquals("extras.0.weight", list.get(31).name());
        assertEquals("conf.5.bias", list.get(70).name());
        assertArrayEquals(new long[] {512, 256, 3, 3}, ps.get("vgg.17.weight").shape());
        assertArrayEquals(new long[] {1024, 512, 3, 3}, ps.get("vgg.31.weight").shape());
        assertArrayEquals(new long[] {1024, 1024, 1, 1}, ps.get("vgg.33.weight").shape());
        assertArrayEquals(new long[] {512}, ps.get("L2Norm.weight").shape());
        assertArrayEquals(new long[] {256, 128, 3, 3}, ps.get("extras.7.weight").shape());
        assertArrayEquals(new long[] {16, 512, 3, 3}, ps.get("loc.0.weight").shape());
        assertArrayEquals(new long[] {126, 1024, 3, 3}, ps.get("conf.1.weight").shape());
        assertArrayEquals(new long[] {84}, ps.get("conf.5.bias").shape());
        assertEquals(20f, ps.get("L2Norm.weight").value().toFloatArray()[511]);
        ps.close();
    }

    @Test
    void cocoCount() {
        assertEquals(34_305_206, new Ssd(SsdConfig.coco(), GradCheck.cpu(), DType.F32, 1).parameters().count());
    }

    @Test
    void headsArePermutedToNhwcIntoTheirPriorSlice() {
        Backend b = GradCheck.cpu();
        try (Scope s = Scope.open()) {
            // x[n,c,h,w] = 1000n + 100c + 10h + w, C = 3 (boxes x values), H = 1, W = 2; rows of 10, offset 4
            double[] v = new double[2 * 3 * 2];
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < 3; c++) {
                    for (int w = 0; w < 2; w++) {
                        v[(n * 3 + c) * 2 + w] = 1000 * n + 100 * c + w;
                    }
                }
            }
            Tensor x = HostDoubles.of(b, DType.F64, v, 2, 3, 1, 2);
            Tensor rows = b.allocate(DType.F64, 2, 5, 2).fill(-1);
            b.nchwToRows(x, rows, 4);
            assertArrayEquals(new double[] {-1, -1, -1, -1, 0, 100, 200, 1, 101, 201,
                -1, -1, -1, -1, 1000, 1100, 1200, 1001, 1101, 1201}, HostDoubles.read(rows), 0);
            Tensor back = b.allocate(DType.F64, 2, 3, 1, 2);
            b.rowsToNchw(rows, back, 4);
            assertArrayEquals(v, HostDoubles.read(back), 0);
        }
    }

    @Test
    void tinyForwardShapes() {
        Ssd ssd = new Ssd(TINY, GradCheck.cpu(), DType.F32, 2);
        try (Scope s = Scope.open()) {
            Ssd.Output out = ssd.forward(GradCheck.cpu().allocate(DType.F32, 2, 3, 272, 272).fill(0.5));
            assertArrayEquals(new long[] {2, 7034, 4}, out.loc().shape());
            assertArrayEquals(new long[] {2, 7034, 4}, out.conf().shape());
        }
    }

    /** The frozen detector's input gradient (image side, through the x255 - mean transform), BGR order too. */
    @Test
    void frozenInputGradient() {
        for (boolean bgr : new boolean[] {false, true}) {
            SsdConfig c = new SsdConfig(272, 1.0 / 32, 3, PriorBoxes.Sizes.VOC, bgr);
            Ssd ssd = new Ssd(c, GradCheck.cpu(), DType.F64, 3);
            ssd.parameters().setRequiresGrad(false);
            ssd.parameters().gradSlab().fill(7);
            Tensor img = GradCheck.random(rnd, 0, 1, 1, 3, 272, 272);
            double[] rl = new double[7034 * 4];
            double[] rc = new double[7034 * 3];
            for (int i = 0; i < rl.length; i++) {
                rl[i] = rnd.nextDouble(-1, 1);
            }
            for (int i = 0; i < rc.length; i++) {
                rc[i] = rnd.nextDouble(-1, 1);
            }
            double[] analytic;
            Backend b = GradCheck.cpu();
            try (Scope s = Scope.open()) {
                Ssd.Output out = ssd.forward(img);
                analytic = HostDoubles.read(ssd.backward(HostDoubles.of(b, DType.F64, rl, 1, 7034, 4),
                        HostDoubles.of(b, DType.F64, rc, 1, 7034, 3)));
            }
            int[] coords = GradCheck.sample(rnd, analytic.length, 8);
            GradCheck.check("ssd input bgr=" + bgr, img, analytic, coords, () -> {
                try (Scope s = Scope.open()) {
                    Ssd.Output out = ssd.forward(img);
                    return GradCheck.dot(out.loc(), rl) + GradCheck.dot(out.conf(), rc);
                }
            }, H).assertOk();
            for (double g : HostDoubles.read(ssd.parameters().gradSlab())) {
                assertEquals(7, g);
            }
        }
    }
}
