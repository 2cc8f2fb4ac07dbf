package dev.tdsr.models;

import dev.tdsr.testing.GradCheck;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.Engine;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Full-size networks on one image: output shapes, and CPU times of forward passes and of one TDSR training step
 * (printed; run with {@code mvn -o -B -q test -Pslow -Dtest=FullNetworksTest}).
 */
@Tag("slow")
class FullNetworksTest {
    private final SplittableRandom rnd = new SplittableRandom(1);

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void shapesAndTimesPerImage() {
        System.out.println("threads " + Engine.threads());
        Dbpn s = new Dbpn(DbpnConfig.original(4), GradCheck.cpu(), DType.F32, 1);
        Ssd d = new Ssd(SsdConfig.voc(), GradCheck.cpu(), DType.F32, 2);
        Tensor lr = GradCheck.cpu().allocate(DType.F32, 1, 3, 75, 75).keep();
        Tensor hr = GradCheck.cpu().allocate(DType.F32, 1, 3, 300, 300).keep();
        float[] v = new float[3 * 300 * 300];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble();
        }
        hr.write(v);
        lr.write(java.util.Arrays.copyOf(v, 3 * 75 * 75));

        for (int run = 1; run <= 2; run++) { // the first run pays page faults of fresh buffers
            System.out.println("run " + run);
            timeOnce(s, d, lr, hr);
        }
    }

    private void timeOnce(Dbpn s, Ssd d, Tensor lr, Tensor hr) {
        try (Scope sc = Scope.open()) {
            long t0 = System.nanoTime();
            Ssd.Output out = d.forward(hr);
            System.out.println("ssd300 VOC forward 1x3x300x300: " + millisSince(t0) + " ms");
            assertArrayEquals(new long[] {1, 8732, 4}, out.loc().shape());
            assertArrayEquals(new long[] {1, 8732, 21}, out.conf().shape());
        }
        try (Scope sc = Scope.open()) {
            long t0 = System.nanoTime();
            Tensor sr = s.forward(lr);
            System.out.println("dbpn x4 forward 1x3x75x75 -> 300: " + millisSince(t0) + " ms");
            assertArrayEquals(new long[] {1, 3, 300, 300}, sr.shape());
        }
        TdsrObjective objective = new TdsrObjective(s, d, 1, 0.01);
        List<GroundTruth> boxes = List.of(new GroundTruth(new double[] {0.1, 0.2, 0.5, 0.7}, new int[] {14}));
        try (Scope sc = Scope.open()) {
            s.parameters().zeroGrad();
            long t0 = System.nanoTime();
            TdsrObjective.Parts parts = objective.step(lr, hr, boxes);
            System.out.println("tdsr step (dbpn x4 + frozen ssd300, batch 1): " + millisSince(t0) + " ms " + parts);
            assertTrue(GradCheck.cpu().allFinite(s.parameters().gradSlab()));
            assertTrue(GradCheck.cpu().sum(d.parameters().gradSlab()) == 0);
        }
    }
}
