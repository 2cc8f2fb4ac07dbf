package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.WeightFormatException;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.nn.Init;
import dev.tdsr.nn.ParameterSet;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Adam and SGD against hand-worked updates; the saved state continues exactly where the original would. */
class OptimizerTest {
    private static ParameterSet params(DType dtype, double... values) {
        ParameterSet ps = new ParameterSet();
        ps.declare("w", Init.zeros(), values.length);
        ps.allocate(CpuBackend.get(), dtype, 0);
        HostDoubles.write(ps.slab(), values);
        return ps;
    }

    @Test
    void adamFollowsTheBiasCorrectedUpdate() {
        try (ParameterSet ps = params(DType.F64, 1.0);
             Optimizer opt = new Optimizer(ps, Optimizer.Settings.adam())) {
            // step 1, g = 0.5: m = 0.05, v = 0.00025, m^ = 0.5, v^ = 0.25 -> p = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
            ps.gradSlab().write(new double[] {0.5});
            opt.step(0.1);
            double p1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8);
            assertEquals(p1, ps.slab().toDoubleArray()[0], 1e-15);
            // step 2, g = -0.25: m = 0.02, v = 0.00031225, m^ = 0.02 / 0.19, v^ = 0.00031225 / 0.001999
            ps.gradSlab().write(new double[] {-0.25});
            opt.step(0.1);
            double expected = p1 - 0.1 * (0.02 / 0.19) / (Math.sqrt(0.00031225 / 0.001999) + 1e-8);
            assertEquals(expected, ps.slab().toDoubleArray()[0], 1e-9);
            assertEquals(0.873366, ps.slab().toDoubleArray()[0], 1e-6); // worked by hand
            assertEquals(2, opt.steps());
        }
    }

    @Test
    void sgdWithMomentumAndWeightDecay() {
        Optimizer.Settings sgd = new Optimizer.Settings(Optimizer.Kind.SGD, 0.9, 0, 0, 0.1);
        try (ParameterSet ps = params(DType.F64, 1.0); Optimizer opt = new Optimizer(ps, sgd)) {
            ps.gradSlab().write(new double[] {0.4}); // d = 0.4 + 0.1 * 1 = 0.5; buf = 0.5; p = 1 - 0.05
            opt.step(0.1);
            assertEquals(0.95, ps.slab().toDoubleArray()[0], 1e-15);
            ps.gradSlab().write(new double[] {0.405}); // d = 0.405 + 0.095 = 0.5; buf = 0.45 + 0.5; p -= 0.095
            opt.step(0.1);
            assertEquals(0.855, ps.slab().toDoubleArray()[0], 1e-15);
        }
    }

    @Test
    void savedStateContinuesBitForBit() throws WeightFormatException {
        for (Optimizer.Kind kind : Optimizer.Kind.values()) {
            Optimizer.Settings s = new Optimizer.Settings(kind, 0.9, 0.999, 1e-8, 1e-4);
            SplittableRandom rnd = new SplittableRandom(4);
            double[] init = rnd.doubles(50, -1, 1).toArray();
            try (ParameterSet a = params(DType.F32, init); Optimizer oa = new Optimizer(a, s)) {
                for (int i = 0; i < 3; i++) {
                    HostDoubles.write(a.gradSlab(), rnd.doubles(50, -1, 1).toArray());
                    oa.step(1e-2);
                }
                Map<String, HostArray> state = oa.state();
                try (ParameterSet b = params(DType.F32, new double[50]); Optimizer ob = new Optimizer(b, s)) {
                    b.slab().write(a.slab().toFloatArray());
                    ob.load(state, oa.steps(), "test");
                    for (int i = 0; i < 2; i++) {
                        double[] g = rnd.doubles(50, -1, 1).toArray();
                        HostDoubles.write(a.gradSlab(), g);
                        HostDoubles.write(b.gradSlab(), g);
                        oa.step(1e-2);
                        ob.step(1e-2);
                    }
                    assertArrayEquals(a.slab().toFloatArray(), b.slab().toFloatArray(), kind.name());
                    assertEquals(5, ob.steps());
                }
            }
        }
    }

    /** The device-side NaN guard: a non-finite gradient leaves params, moments and the step count as they were. */
    @Test
    void guardedStepSkipsANonFiniteGradientAndDoesNotCountIt() {
        for (Optimizer.Kind kind : Optimizer.Kind.values()) {
            Optimizer.Settings s = new Optimizer.Settings(kind, 0.9, 0.999, 1e-8, 1e-4);
            try (ParameterSet ps = params(DType.F32, 1, -2, 3); Optimizer opt = new Optimizer(ps, s);
                 ParameterSet ref = params(DType.F32, 1, -2, 3); Optimizer unguarded = new Optimizer(ref, s)) {
                ps.gradSlab().write(new float[] {0.5f, -0.25f, 1});
                ref.gradSlab().write(new float[] {0.5f, -0.25f, 1});
                opt.guardedStep(0.1);
                unguarded.step(0.1);
                assertTrue(opt.lastStepTaken());
                assertArrayEquals(ref.slab().toFloatArray(), ps.slab().toFloatArray(), kind.name()); // same update
                float[] before = ps.slab().toFloatArray();
                Map<String, HostArray> stateBefore = opt.state();
                ps.gradSlab().write(new float[] {0.5f, Float.POSITIVE_INFINITY, 1});
                opt.guardedStep(0.1);
                assertFalse(opt.lastStepTaken());
                assertArrayEquals(before, ps.slab().toFloatArray(), kind.name());
                for (String k : stateBefore.keySet()) {
                    assertArrayEquals(stateBefore.get(k).toFloatArray(), opt.state().get(k).toFloatArray(), k);
                }
                assertEquals(1, opt.steps());
                ps.gradSlab().write(new float[] {0.25f, 0.5f, -1}); // the flag is reset for the next step
                ref.gradSlab().write(new float[] {0.25f, 0.5f, -1});
                opt.guardedStep(0.1);
                unguarded.step(0.1);
                assertTrue(opt.lastStepTaken());
                assertArrayEquals(ref.slab().toFloatArray(), ps.slab().toFloatArray(), kind.name());
                assertEquals(2, opt.steps());
            }
        }
    }

    @Test
    void loadRefusesStateOfAnotherSize() {
        try (ParameterSet ps = params(DType.F32, 1, 2); Optimizer opt = new Optimizer(ps, Optimizer.Settings.adam())) {
            Map<String, HostArray> bad = Map.of("m", HostArray.of(new float[3], 3), "v", HostArray.of(new float[3], 3));
            WeightFormatException e = assertThrows(WeightFormatException.class, () -> opt.load(bad, 1, "opt.st"));
            assertEquals("opt.st: optimizer state 'm' has 3 values; expected 2 for a ADAM optimizer", e.getMessage());
        }
    }
}
