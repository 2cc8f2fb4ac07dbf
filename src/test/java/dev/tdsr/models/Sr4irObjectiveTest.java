package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.GradCheck;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * SR4IR's objectives for S through the frozen task network: with the task-driven perceptual loss and the patch mix on,
 * the gradient left in S's slab matches finite differences of alpha*MSE + beta*L_task(mix) + w*perceptual, and the
 * task network's slab is untouched.
 */
class Sr4irObjectiveTest {
    private final SplittableRandom rnd = new SplittableRandom(83);
    private static final List<GroundTruth> BOXES = List.of(new GroundTruth(
            new double[] {0.1, 0.15, 0.5, 0.6, 0.55, 0.3, 0.95, 0.8}, new int[] {0, 2}));

    @Test
    void gradientOfPerceptualAndPatchMixedTaskLossMatchesFiniteDifferences() {
        Dbpn s = new Dbpn(new DbpnConfig(8, 3, 4, 2), GradCheck.cpu(), DType.F64, 31);
        SsdTaskNetwork d = new SsdTaskNetwork(new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F64, 32));
        Tensor lr = GradCheck.random(rnd, 0, 1, 1, 3, 34, 34);
        Tensor hr = GradCheck.random(rnd, 0, 1, 1, 3, 272, 272);
        d.parameters().gradSlab().fill(7);
        double w = 0.3;
        long step = 4;
        TdsrObjective<List<GroundTruth>> objective = new TdsrObjective<>(s, d, 1, 0.05,
                new TdsrObjective.Sr4ir(w, List.of("conv4_3", "fc7"), 2, 9));
        s.parameters().zeroGrad();
        TdsrObjective.Parts parts;
        MultiBoxLoss.Assignment fixed;
        try (Scope sc = Scope.open()) {
            parts = objective.step(lr, hr, BOXES, step);
            fixed = objective.lastAssignment().keep();
        }
        assertTrue(parts.perceptual() > 0 && parts.loc() > 0, parts.toString());
        assertEquals(parts.mse() + 0.05 * parts.task().total() + w * parts.perceptual(), parts.total(), 1e-12);
        double[] g = HostDoubles.read(s.parameters().gradSlab());
        GradCheck.check("sr4ir perceptual + patch mix dS", s.parameters().slab(), g,
                GradCheck.sample(new SplittableRandom(5), g.length, 16), () -> {
                    try (Scope sc = Scope.open()) {
                        return objective.evaluate(lr, hr, BOXES, fixed, step).total();
                    }
                }).assertOk();
        for (double v : HostDoubles.read(d.parameters().gradSlab())) {
            assertEquals(7, v);
        }
    }

    @Test
    void thePerceptualTermAloneIsTheMeanHuberDistanceOfTheTaps() {
        Dbpn s = new Dbpn(new DbpnConfig(8, 3, 4, 2), GradCheck.cpu(), DType.F64, 33);
        SsdTaskNetwork d = new SsdTaskNetwork(new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F64, 34));
        Tensor lr = GradCheck.random(rnd, 0, 1, 1, 3, 34, 34);
        Tensor hr = GradCheck.random(rnd, 0, 1, 1, 3, 272, 272);
        TdsrObjective<List<GroundTruth>> objective = new TdsrObjective<>(s, d, 0, 0,
                new TdsrObjective.Sr4ir(1, List.of("conv3_3"), 0, 0));
        try (Scope sc = Scope.open()) {
            double p = objective.evaluate(lr, hr, BOXES, null).perceptual();
            Tensor out = TdsrObjective.cropTo(s.forward(lr), 272, 272);
            double[] a = HostDoubles.read(d.features(out, List.of("conv3_3")).get("conv3_3"));
            double[] b = HostDoubles.read(d.features(hr, List.of("conv3_3")).get("conv3_3"));
            double sum = 0;
            for (int i = 0; i < a.length; i++) {
                double x = Math.abs(a[i] - b[i]);
                sum += x < 1 ? 0.5 * x * x : x - 0.5;
            }
            assertEquals(sum / a.length, p, 1e-9 * Math.max(1, p));
            assertTrue(p > 0);
        }
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        Dbpn s = new Dbpn(new DbpnConfig(8, 3, 4, 2), GradCheck.cpu(), DType.F32, 35);
        SsdTaskNetwork d = new SsdTaskNetwork(new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F32, 36));
        IllegalArgumentException tap = assertThrows(IllegalArgumentException.class, () -> new TdsrObjective<>(s, d,
                1, 0.01, new TdsrObjective.Sr4ir(1, List.of("pool5"), 0, 0)));
        assertTrue(tap.getMessage().contains("pool5") && tap.getMessage().contains("conv4_3"), tap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TdsrObjective.Sr4ir(1, List.of(), 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new TdsrObjective.Sr4ir(0, List.of(), -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new TdsrObjective<List<GroundTruth>>(s, null, 1, 0,
                new TdsrObjective.Sr4ir(0, List.of(), 2, 0)));
    }
}
