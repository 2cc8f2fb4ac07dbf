package dev.tdsr.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.PoolSpec;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.testing.GradCheck;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every layer type against finite differences in double precision: input gradient and parameter gradients. */
class LayerGradientTest {
    private final SplittableRandom rnd = new SplittableRandom(7);

    private ParameterSet params() {
        return new ParameterSet();
    }

    private ParameterSet allocate(ParameterSet ps) {
        ps.allocate(GradCheck.cpu(), DType.F64, 11);
        GradCheck.randomize(ps, rnd, -0.5, 0.5);
        return ps;
    }

    @Test
    void conv2dStridedDilated() {
        ParameterSet ps = params();
        Layer conv = Conv2d.withDefaults(ps, "c", 3, 4, 3, new ConvSpec(2, 1, 1, 2, 1, 2));
        GradCheck.checkLayer("conv2d", conv, allocate(ps), GradCheck.random(rnd, -1, 1, 2, 3, 7, 8), 40, 1);
    }

    @Test
    void convTranspose2dAsInDbpn() {
        ParameterSet ps = params();
        Layer deconv = ConvTranspose2d.withDefaults(ps, "d", 3, 2, 6, ConvSpec.of(2, 2));
        Tensor x = GradCheck.random(rnd, -1, 1, 2, 3, 4, 5);
        allocate(ps);
        try (Scope s = Scope.open()) {
            assertArrayEquals(new long[] {2, 2, 8, 10}, deconv.forward(x).shape()); // s * n
        }
        GradCheck.checkLayer("conv_transpose2d", deconv, ps, x, 40, 2);
    }

    @Test
    void preluSharedAndPerChannel() {
        ParameterSet shared = params();
        Layer a = new PReLU(shared, "act", 1);
        GradCheck.checkLayer("prelu shared", a, allocate(shared), GradCheck.random(rnd, -1, 1, 2, 3, 4, 4), 40, 3);
        ParameterSet per = params();
        Layer b = new PReLU(per, "act", 3);
        GradCheck.checkLayer("prelu per channel", b, allocate(per), GradCheck.random(rnd, -1, 1, 2, 3, 4, 4), 40, 4);
    }

    @Test
    void reluInPlace() {
        GradCheck.checkLayer("relu", new ReLU(), null, GradCheck.random(rnd, -1, 1, 2, 3, 4, 4), 60, 5);
    }

    @Test
    void maxPoolCeilModeAndPool5() {
        Tensor x = GradCheck.random(rnd, -1, 1, 1, 2, 7, 7);
        Layer ceil = new MaxPool2d(PoolSpec.of(2, 2, 0, true));
        try (Scope s = Scope.open()) {
            assertArrayEquals(new long[] {1, 2, 4, 4}, ceil.forward(GradCheck.copy(x)).shape()); // 7 -> 4 (ceil)
        }
        GradCheck.checkLayer("maxpool 2x2 ceil", ceil, null, x, 98, 6);
        GradCheck.checkLayer("maxpool 3x3 s1 p1", new MaxPool2d(PoolSpec.of(3, 1, 1, false)), null, x, 98, 7);
    }

    @Test
    void l2NormOnConv43LikeTensor() {
        ParameterSet ps = params();
        Layer norm = new L2Norm(ps, "L2Norm", 16, 20);
        ps.allocate(GradCheck.cpu(), DType.F64, 1);
        assertEquals(20, HostDoubles.read(ps.get("L2Norm.weight").value())[5]);
        // conv4_3 after ReLU: non-negative, many channels per position
        Tensor x = GradCheck.random(rnd, 0, 3, 2, 16, 5, 5);
        GradCheck.checkLayer("l2norm", norm, ps, x, 60, 8);
    }

    @Test
    void frozenParametersAreNotTouched() {
        ParameterSet ps = params();
        Layer conv = Conv2d.withDefaults(ps, "c", 2, 2, 3, ConvSpec.of(1, 1));
        allocate(ps).setRequiresGrad(false);
        ps.gradSlab().fill(3);
        try (Scope s = Scope.open()) {
            Tensor y = conv.forward(GradCheck.random(rnd, -1, 1, 1, 2, 4, 4));
            Tensor dx = conv.backward(y);
            assertEquals(32, dx.numel());
            for (double g : HostDoubles.read(ps.gradSlab())) {
                assertEquals(3, g);
            }
        }
    }

    @Test
    void srganLayers() {
        ParameterSet lin = params();
        Layer dense = new Linear(lin, "fc", 12, 5);
        GradCheck.checkLayer("linear (flattens [N,3,2,2])", dense, allocate(lin),
                GradCheck.random(rnd, -1, 1, 3, 3, 2, 2), 40, 21);
        for (boolean training : new boolean[] {true, false}) {
            ParameterSet ps = params();
            ParameterSet buffers = params();
            BatchNorm bn = new BatchNorm(ps, buffers, "bn", 3);
            buffers.allocate(GradCheck.cpu(), DType.F64, 12);
            bn.setTraining(training);
            GradCheck.checkLayer("batchnorm " + (training ? "training" : "inference"), bn, allocate(ps),
                    GradCheck.random(rnd, -1, 1, 2, 3, 3, 3), 40, 22);
        }
        GradCheck.checkLayer("leaky relu", new LeakyReLU(0.2), null, GradCheck.random(rnd, -1, 1, 2, 3, 4, 4), 40, 23);
        GradCheck.checkLayer("pixel shuffle", new PixelShuffle(2), null, GradCheck.random(rnd, -1, 1, 2, 8, 2, 3), 40,
                24);
    }
}
