package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.NativeBackend;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.ProjectionUnit.Direction;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.nn.Parameter;
import dev.tdsr.nn.ParameterSet;
import dev.tdsr.testing.GradCheck;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DbpnTest {
    private final SplittableRandom rnd = new SplittableRandom(3);

    @Test
    void parameterCountsOfTheReleasedModels() {
        assertEquals(5_953_526, DbpnConfig.original(2).parameterCount());
        assertEquals(10_426_358, DbpnConfig.original(4).parameterCount());
        assertEquals(23_205_878, DbpnConfig.original(8).parameterCount());
    }

    @Test
    void releasedX4StateDictNamesShapesAndOrder() {
        Dbpn net = new Dbpn(DbpnConfig.original(4), GradCheck.cpu(), DType.F32, 1);
        ParameterSet ps = net.parameters();
        assertEquals(10_426_358, ps.count());
        assertEquals(10_426_358, ps.slab().numel());
        List<Parameter> list = ps.list();
        assertEquals(155, list.size());
        assertEquals("feat0.conv.weight", list.get(0).name());
        assertEquals("feat0.act.weight", list.get(2).name());
        assertEquals("up1.up_conv1.deconv.weight", list.get(6).name());
        assertEquals("output_conv.conv.bias", list.get(154).name());
        assertArrayEquals(new long[] {256, 3, 3, 3}, ps.get("feat0.conv.weight").shape());
        assertArrayEquals(new long[] {64, 64, 8, 8}, ps.get("up7.up_conv3.deconv.weight").shape());
        assertArrayEquals(new long[] {64, 64, 8, 8}, ps.get("down6.down_conv2.deconv.weight").shape());
        assertArrayEquals(new long[] {64, 128, 1, 1}, ps.get("down2.conv.conv.weight").shape());
        assertArrayEquals(new long[] {64, 384, 1, 1}, ps.get("up7.conv.conv.weight").shape());
        assertArrayEquals(new long[] {3, 448, 3, 3}, ps.get("output_conv.conv.weight").shape());
        assertArrayEquals(new long[] {1}, ps.get("down3.down_conv3.act.weight").shape());
        assertThrows(IllegalArgumentException.class, () -> ps.get("up8.up_conv1.deconv.weight"));
        assertThrows(IllegalArgumentException.class, () -> ps.get("up2.conv.conv.weight"));
        // a bottleneck comes first inside a dense block; slab offsets follow registration order
        assertEquals(ps.get("down2.conv.act.weight").offset() + 1, ps.get("down2.down_conv1.conv.weight").offset());
        assertEquals(0.25f, ps.get("up5.up_conv2.act.weight").value().toFloatArray()[0]);
        ps.close();
    }

    @Test
    void kaimingInitIsDeterministicFromTheSeed() {
        DbpnConfig c = new DbpnConfig(2, 4, 6, 3);
        {
            Dbpn x = new Dbpn(c, GradCheck.cpu(), DType.F32, 42);
            Dbpn y = new Dbpn(c, GradCheck.cpu(), DType.F32, 42);
            Dbpn z = new Dbpn(c, GradCheck.cpu(), DType.F32, 43);
            assertEquals(c.parameterCount(), x.parameters().count());
            assertArrayEquals(x.parameters().slab().toFloatArray(), y.parameters().slab().toFloatArray());
            assertEquals(false, java.util.Arrays.equals(x.parameters().slab().toFloatArray(),
                    z.parameters().slab().toFloatArray()));
            double[] w = HostDoubles.read(x.parameters().get("up1.up_conv1.deconv.weight").value());
            double var = 0;
            for (double v : w) {
                var += v * v;
            }
            assertEquals(2.0 / (4 * 36), var / w.length, 0.4 * 2.0 / (4 * 36)); // kaiming std^2 = 2/fan_in
        }
    }

    @Test
    void outputIsScaleTimesInputAtEveryScale() {
        for (int scale : new int[] {2, 4, 8}) {
            Dbpn net = new Dbpn(new DbpnConfig(scale, 2, 3, scale == 2 ? 2 : 3), GradCheck.cpu(), DType.F32, 1);
            try (Scope s = Scope.open()) {
                Tensor sr = net.forward(GradCheck.cpu().allocate(DType.F32, 2, 3, 5, 6).fill(0.5));
                assertArrayEquals(new long[] {2, 3, 5L * scale, 6L * scale}, sr.shape());
            }
            net.parameters().close();
        }
    }

    /**
     * The backward frees every gradient map once its last consumer has run, so what it leaves alive is the input
     * gradient, not a second copy of the forward's maps (at full size that copy doubled the step's peak memory).
     */
    @Test
    void backwardLeavesOnlyTheInputGradientAlive() {
        NativeBackend cpu = (NativeBackend) GradCheck.cpu();
        Dbpn net = new Dbpn(new DbpnConfig(4, 8, 16, 5), cpu, DType.F32, 1);
        try (Scope s = Scope.open()) {
            Tensor lr = cpu.allocate(DType.F32, 1, 3, 6, 6).fill(0.5);
            long before = cpu.memory().allocatedBytes();
            Tensor sr = net.forward(lr);
            long forward = cpu.memory().allocatedBytes() - before;
            Tensor dSr = cpu.allocate(DType.F32, sr.shape()).fill(1e-3);
            long beforeBackward = cpu.memory().allocatedBytes();
            Tensor dLr = net.backward(dSr);
            long leftByBackward = cpu.memory().allocatedBytes() - beforeBackward;
            assertEquals(lr.numel(), dLr.numel());
            // the old backward left ~forward bytes (every gradient map) alive until the scope closed
            assertTrue(leftByBackward < forward / 10,
                    "backward left " + leftByBackward + " bytes alive; the forward's maps take " + forward);
        }
        net.parameters().close();
    }

    @Test
    void upProjectionGradient() {
        checkUnit(Direction.UP, 1, new long[] {2, 3, 4, 3});
    }

    @Test
    void downProjectionGradient() {
        checkUnit(Direction.DOWN, 1, new long[] {2, 3, 8, 6});
    }

    @Test
    void denseDownStageGradient() {
        checkUnit(Direction.DOWN, 3, new long[] {1, 9, 8, 6}); // D_DownBlock(n=3): 1x1 bottleneck 9 -> 3 at HR
    }

    @Test
    void denseUpStageGradient() {
        checkUnit(Direction.UP, 2, new long[] {1, 6, 4, 3});
    }

    private void checkUnit(Direction dir, int inputs, long[] shape) {
        ParameterSet ps = new ParameterSet();
        ProjectionUnit unit = new ProjectionUnit(ps, dir == Direction.UP ? "up3" : "down3", dir,
                new DbpnConfig(2, 3, 4, 3), inputs);
        ps.allocate(GradCheck.cpu(), DType.F64, 5);
        GradCheck.randomize(ps, rnd, -0.4, 0.4);
        GradCheck.checkLayer(dir + "x" + inputs, unit, ps, GradCheck.random(rnd, -1, 1, shape), 12, 9);
    }
}
