package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.nn.Parameter;
import dev.tdsr.testing.GradCheck;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * THE composite check: on a toy S (D-DBPN 8x, 3 channels, 3 stages) and a toy frozen D (SSD at 272, 1/32 width), the
 * gradient that {@link TdsrObjective#step} leaves in S's slab matches finite differences of the whole
 * alpha*MSE + beta*MultiBox loss (the part through D included), and D's gradient slab is untouched.
 */
class TdsrObjectiveTest {
    private static final double ALPHA = 1.0;
    private static final double BETA = 0.05;
    private final SplittableRandom rnd = new SplittableRandom(23);

    @Test
    void gradientReachingSMatchesFiniteDifferencesOfTheCompoundLoss() {
        Dbpn s = new Dbpn(new DbpnConfig(8, 3, 4, 3), GradCheck.cpu(), DType.F64, 31);
        Ssd d = new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F64, 32);
        Tensor lr = GradCheck.random(rnd, 0, 1, 1, 3, 34, 34);
        Tensor hr = GradCheck.random(rnd, 0, 1, 1, 3, 272, 272);
        List<GroundTruth> boxes = List.of(new GroundTruth(
                new double[] {0.1, 0.15, 0.5, 0.6, 0.55, 0.3, 0.95, 0.8}, new int[] {0, 2}));

        d.parameters().gradSlab().fill(7);
        TdsrObjective objective = new TdsrObjective(s, d, ALPHA, BETA);
        s.parameters().zeroGrad();
        TdsrObjective.Parts parts;
        MultiBoxLoss.Assignment fixed;
        try (Scope sc = Scope.open()) {
            parts = objective.step(lr, hr, boxes);
            fixed = objective.lastAssignment().keep();
        }
        double[] g = HostDoubles.read(s.parameters().gradSlab());
        assertTrue(fixed.numPositives() >= 2 && parts.loc() > 0 && parts.conf() > 0, parts.toString());
        assertEquals(ALPHA * parts.mse() + BETA * (parts.loc() + parts.conf()), parts.total(), 1e-12);

        // the same S with beta = 0: the task part must change the gradient noticeably
        s.parameters().zeroGrad();
        try (Scope sc = Scope.open()) {
            new TdsrObjective(s, d, ALPHA, 0).step(lr, hr, boxes);
        }
        double[] g0 = HostDoubles.read(s.parameters().gradSlab());

        int[] coords = coordinates(s, g);
        double diff = 0;
        double norm = 0;
        for (int c : coords) {
            diff = Math.max(diff, Math.abs(g[c] - g0[c]));
            norm = Math.max(norm, Math.abs(g[c]));
        }
        assertTrue(diff > 0.05 * norm, "task part too small to be tested: " + diff + " vs " + norm);

        GradCheck.check("tdsr compound loss dS", s.parameters().slab(), g, coords, () -> {
            try (Scope sc = Scope.open()) {
                return objective.evaluate(lr, hr, boxes, fixed).total();
            }
        }).assertOk();
        for (double v : HostDoubles.read(d.parameters().gradSlab())) {
            assertEquals(7, v);
        }
    }

    /** In a spread of parameters (first layer, a projection, a bottleneck, a PReLU, the output): the largest and two random coordinates. */
    private int[] coordinates(Dbpn s, double[] g) {
        java.util.Set<Integer> c = new java.util.LinkedHashSet<>();
        for (String name : new String[] {"feat0.conv.weight", "feat1.act.weight", "up1.up_conv1.deconv.weight",
            "down1.down_conv3.conv.bias", "down2.conv.conv.weight", "up3.up_conv2.act.weight",
            "up3.up_conv3.deconv.weight", "output_conv.conv.weight", "output_conv.conv.bias"}) {
            Parameter p = s.parameters().get(name);
            int off = (int) p.offset();
            int n = (int) p.numel();
            int best = off;
            for (int i = off; i < off + n; i++) {
                best = Math.abs(g[i]) > Math.abs(g[best]) ? i : best;
            }
            c.add(best);
            c.add(off + rnd.nextInt(n));
            c.add(off + rnd.nextInt(n));
        }
        return c.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void srOutputLargerThanHrIsCroppedTopLeftAndTheGradientFollows() {
        // 35x35 at 8x gives 280x280; the HR is 272x272 (as 38x38 -> 304 against a 300 HR): the loss sees the top-left
        // 272x272 of S's output and the gradient flows back through that crop.
        Dbpn s = new Dbpn(new DbpnConfig(8, 3, 4, 2), GradCheck.cpu(), DType.F64, 41);
        Ssd d = new Ssd(SsdTest.TINY, GradCheck.cpu(), DType.F64, 42);
        Tensor lr = GradCheck.random(rnd, 0, 1, 1, 3, 35, 35);
        Tensor hr = GradCheck.random(rnd, 0, 1, 1, 3, 272, 272);
        List<GroundTruth> none = List.of(new GroundTruth(new double[0], new int[0]));
        // (the crop op itself is checked exhaustively in KernelGradientTest; here: that the objective uses it)
        TdsrObjective objective = new TdsrObjective(s, d, 1, 0);
        s.parameters().zeroGrad();
        try (Scope sc = Scope.open()) {
            double mse = objective.step(lr, hr, none).mse();
            Tensor full = s.forward(lr);
            Tensor top = GradCheck.cpu().allocate(DType.F64, 1, 3, 272, 272);
            GradCheck.cpu().crop2dForward(full, top, 0, 0);
            assertEquals(GradCheck.cpu().mseForward(top, hr), mse, 1e-15);
        }
        double[] g = HostDoubles.read(s.parameters().gradSlab());
        DoubleSupplier loss = () -> {
            try (Scope sc = Scope.open()) {
                return objective.evaluate(lr, hr, none, null).total();
            }
        };
        GradCheck.check("tdsr 8x crop dS", s.parameters().slab(), g,
                GradCheck.sample(new java.util.SplittableRandom(5), g.length, 12), loss).assertOk();
    }
}
