package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.GradCheck;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** SR4IR's cross-quality patch mix: which pixel comes from where, its adjoint, and its seeding. */
class PatchMixTest {
    private final SplittableRandom rnd = new SplittableRandom(71);

    @Test
    void everyPixelComesFromSrOrHrAsItsPatchSays() {
        int n = 2;
        int h = 7;
        int w = 8; // not multiples of the grid: patches of 2 and 3 rows
        int grid = 3;
        PatchMix m = PatchMix.draw(5, 9, n, grid);
        try (Scope sc = Scope.open()) {
            Tensor sr = GradCheck.random(rnd, 0, 1, n, 3, h, w);
            Tensor hr = GradCheck.random(rnd, 2, 3, n, 3, h, w); // disjoint ranges tell the sources apart

            double[] out = HostDoubles.read(m.mix(sr, hr));
            double[] s = HostDoubles.read(sr);
            double[] r = HostDoubles.read(hr);
            int fromSr = 0;
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            int idx = ((i * 3 + c) * h + y) * w + x;
                            int patch = rowOf(y, h, grid) * grid + rowOf(x, w, grid);
                            double expected = m.fromSr(i, patch) ? s[idx] : r[idx];
                            assertEquals(expected, out[idx], 0.0, "image " + i + " pixel " + y + "," + x);
                            fromSr += m.fromSr(i, patch) ? 1 : 0;
                        }
                    }
                }
            }
            assertTrue(fromSr > 0 && fromSr < out.length, "both sources appear: " + fromSr + " of " + out.length);
            sr.close(); // kept tensors (GradCheck.random)
            hr.close();
        }
    }

    /** The patch row of pixel row y: the r with r*h/grid <= y < (r+1)*h/grid. */
    private static int rowOf(int y, int h, int grid) {
        for (int r = 0; r < grid; r++) {
            if (y < (r + 1) * h / grid) {
                return r;
            }
        }
        throw new AssertionError();
    }

    @Test
    void backwardToSrIsTheAdjointOfTheMixInSr() {
        PatchMix m = PatchMix.draw(1, 2, 2, 4);
        try (Scope sc = Scope.open()) {
            Tensor sr = GradCheck.random(rnd, -1, 1, 2, 3, 12, 10);

            Tensor zero = GradCheck.cpu().allocate(DType.F64, 2, 3, 12, 10).fill(0);
            double[] r = GradCheck.values(rnd, sr.numel(), -1, 1);
            Tensor rt = GradCheck.cpu().allocate(DType.F64, sr.shape()).write(r);
            double lhs = GradCheck.dot(m.mix(sr, zero), r);
            double rhs = GradCheck.dot(m.backwardToSr(rt), HostDoubles.read(sr));
            assertEquals(lhs, rhs, 1e-12 * Math.max(1, Math.abs(lhs)));
            assertNotEquals(0, lhs);
            sr.close();
        }
    }

    @Test
    void drawnFromSeedAndStepAlone() {
        PatchMix a = PatchMix.draw(3, 10, 4, 4);
        PatchMix b = PatchMix.draw(3, 10, 4, 4);
        PatchMix c = PatchMix.draw(3, 11, 4, 4);
        int same = 0;
        int differ = 0;
        for (int i = 0; i < 4; i++) {
            for (int p = 0; p < 16; p++) {
                same += a.fromSr(i, p) == b.fromSr(i, p) ? 1 : 0;
                differ += a.fromSr(i, p) != c.fromSr(i, p) ? 1 : 0;
            }
        }
        assertEquals(64, same);
        assertTrue(differ > 0, "another step draws another mix");
        assertThrows(IllegalArgumentException.class, () -> PatchMix.draw(1, 1, 1, 0));
    }
}
