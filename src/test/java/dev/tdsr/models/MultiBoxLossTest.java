package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.GradCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MultiBoxLossTest {
    private static final int C = 4;
    private final PriorBoxes priors = new PriorBoxes(SsdConfig.voc().priorSpec());
    private final MultiBoxLoss loss = new MultiBoxLoss(priors, C);
    private final Backend b = GradCheck.cpu();
    private final SplittableRandom rnd = new SplittableRandom(17);

    /** Corners of prior q. */
    private double[] corners(int q) {
        double[] p = priors.get(q);
        return new double[] {p[0] - p[2] / 2, p[1] - p[3] / 2, p[0] + p[2] / 2, p[1] + p[3] / 2};
    }

    private Tensor conf(int n, double value) {
        return b.allocate(DType.F64, n, priors.count(), C).fill(value);
    }

    @Test
    void aBoxEqualToAPriorIsMatchedWithZeroTargetAndMinedThreeToOne() {
        try (Scope s = Scope.open()) {
            // prior 160 (38x38 map, row 1, col 2, 0.1 x 0.1) and a second object far away, tiny: forced match only
            double[] box = corners(160);
            GroundTruth gt = new GroundTruth(new double[] {box[0], box[1], box[2], box[3], 0.80, 0.80, 0.805, 0.806},
                    new int[] {2, 0});
            Tensor conf = conf(1, 0);
            MultiBoxLoss.Assignment a = loss.assign(conf, List.of(gt));
            int[] labels = a.labels.toIntArray();
            assertEquals(3, labels[160]);
            double[] target = HostDoubles.read(a.locTarget);
            assertArrayEquals(new double[] {0, 0, 0, 0}, java.util.Arrays.copyOfRange(target, 640, 644), 1e-12);
            // the tiny box overlaps no prior by 0.5: exactly one prior (its best) is labelled class 0 + 1
            int tiny = 0;
            int positives = 0;
            for (int l : labels) {
                tiny += l == 1 ? 1 : 0;
                positives += l > 0 ? 1 : 0;
            }
            assertEquals(1, tiny);
            assertEquals(positives, a.numPositives());
            assertEquals(4 * positives, a.numSelected()); // all logits equal: any 3*pos negatives
            // conf = CE of uniform logits ln(4) on every selected row; loc: positives of the exact box have target 0
            MultiBoxLoss.Value v = loss.value(a, b.allocate(DType.F64, 1, priors.count(), 4).fill(0), conf);
            assertEquals(4 * positives * Math.log(4) / positives, v.conf(), 1e-9);
        }
    }

    @Test
    void encodingOfAShiftedBox() {
        try (Scope s = Scope.open()) {
            double[] p = priors.get(160);
            // center moved by 0.01 in x, width x1.2: tx = 0.01/(0.1*w), tw = ln(1.2)/0.2
            double w = p[2] * 1.2;
            double cx = p[0] + 0.01;
            GroundTruth gt = new GroundTruth(new double[] {cx - w / 2, p[1] - p[3] / 2, cx + w / 2, p[1] + p[3] / 2},
                    new int[] {1});
            MultiBoxLoss.Assignment a = loss.assign(conf(1, 0), List.of(gt));
            double[] target = HostDoubles.read(a.locTarget);
            assertEquals(2, a.labels.toIntArray()[160]);
            assertArrayEquals(new double[] {0.01 / (0.1 * p[2]), 0, Math.log(1.2) / 0.2, 0},
                    java.util.Arrays.copyOfRange(target, 640, 644), 1e-9);
        }
    }

    @Test
    void imagesWithoutObjectsGiveZeroNotNaN() {
        try (Scope s = Scope.open()) {
            Tensor conf = conf(2, 0);
            MultiBoxLoss.Assignment a = loss.assign(conf, List.of(new GroundTruth(new double[0], new int[0]),
                    new GroundTruth(new double[0], new int[0])));
            assertEquals(0, a.numPositives());
            MultiBoxLoss.Value v = loss.value(a, b.allocate(DType.F64, 2, priors.count(), 4).fill(1), conf);
            assertEquals(0, v.total());
        }
    }

    @Test
    void hardNegativesAreTheHighestLossNegatives() {
        try (Scope s = Scope.open()) {
            double[] box = corners(160);
            GroundTruth gt = new GroundTruth(box, new int[] {0});
            double[] logits = new double[priors.count() * C];
            for (int q = 0; q < priors.count(); q++) {
                logits[q * C + 1] = rnd.nextDouble(-3, 3); // CE of background grows with the class-1 logit
            }
            Tensor conf = HostDoubles.of(b, DType.F64, logits, 1, priors.count(), C);
            MultiBoxLoss.Assignment a = loss.assign(conf, List.of(gt));
            int[] labels = a.labels.toIntArray();
            double weakestSelected = Double.MAX_VALUE;
            double strongestUnselected = -Double.MAX_VALUE;
            int negatives = 0;
            for (int q = 0; q < priors.count(); q++) {
                if (labels[q] > 0) {
                    continue;
                }
                if (a.selected()[q] != 0) {
                    negatives++;
                    weakestSelected = Math.min(weakestSelected, logits[q * C + 1]);
                } else {
                    strongestUnselected = Math.max(strongestUnselected, logits[q * C + 1]);
                }
            }
            assertEquals(3 * a.numPositives(), negatives);
            assertTrue(weakestSelected > strongestUnselected);
        }
    }

    /** d total / d loc and d conf against finite differences, matches and mined negatives frozen. */
    @Test
    void gradientWithFrozenAssignment() {
        int n = 2;
        int p = priors.count();
        List<GroundTruth> gts = new ArrayList<>();
        gts.add(new GroundTruth(new double[] {0.1, 0.1, 0.45, 0.5, 0.5, 0.2, 0.9, 0.7}, new int[] {0, 2}));
        gts.add(new GroundTruth(new double[] {0.3, 0.3, 0.4, 0.42}, new int[] {1}));
        Tensor loc = GradCheck.random(rnd, -1.5, 1.5, n, p, 4);
        Tensor conf = GradCheck.random(rnd, -2, 2, n, p, C);
        MultiBoxLoss.Assignment a;
        double[] dloc;
        double[] dconf;
        try (Scope s = Scope.open()) {
            a = loss.assign(conf, gts).keep();
            MultiBoxLoss.Gradients g = loss.backward(a, loc, conf, 1.0);
            dloc = HostDoubles.read(g.dloc());
            dconf = HostDoubles.read(g.dconf());
        }
        assertTrue(a.numPositives() > 3);
        final MultiBoxLoss.Assignment fixed = a;
        java.util.function.DoubleSupplier total = () -> {
            try (Scope s = Scope.open()) {
                return loss.value(fixed, loc, conf).total();
            }
        };
        GradCheck.check("multibox dloc", loc, dloc, coords(dloc, 24), total).assertOk();
        GradCheck.check("multibox dconf", conf, dconf, coords(dconf, 24), total).assertOk();
    }

    /** Half the coordinates where the gradient is non-zero (positives, mined negatives), half anywhere. */
    private int[] coords(double[] g, int count) {
        List<Integer> nonzero = new ArrayList<>();
        for (int i = 0; i < g.length; i++) {
            if (g[i] != 0) {
                nonzero.add(i);
            }
        }
        int[] c = new int[count];
        for (int i = 0; i < count; i++) {
            c[i] = i % 2 == 0 ? nonzero.get(rnd.nextInt(nonzero.size())) : rnd.nextInt(g.length);
        }
        return c;
    }
}
