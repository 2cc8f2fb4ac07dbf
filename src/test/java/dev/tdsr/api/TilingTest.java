package dev.tdsr.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tiled vs untiled output of a tiny random D-DBPN (4x, base 8, feat 16, T=2) on a 70x45 image (280x180 out).
 * Measured max |tiled - untiled| over the whole output: overlap 8: 3.1e-3, 12: 1.8e-4, 16: 1.1e-5, 24 and 32: 3.0e-7
 * (float rounding of the blend). Stated tolerances: 1e-6 for overlap 24 (6 px discarded context), 1e-4 for 16.
 */
class TilingTest {
    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void save() {
        model = TinyModels.dbpn(dir.resolve("m"), TinyModels.DBPN, 3);
    }

    private static SuperResolver sr(int tile, int overlap) {
        return SuperResolver.builder().setModel(model).optDevice("cpu").optTileSize(tile).optTileOverlap(overlap)
                .build();
    }

    private static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void tiledEqualsUntiledWithinTheStatedTolerance() {
        int w = 70;
        int h = 45;
        float[] img = TinyModels.pixels(w, h, 1);
        float[] whole;
        try (SuperResolver s = sr(128, 32)) {
            whole = s.upscale(img, w, h);
        }
        assertEquals(3 * 280 * 180, whole.length, "D-DBPN x4 of 70x45 is 280x180");
        try (SuperResolver s = sr(32, 24)) {
            double d = maxDiff(s.upscale(img, w, h), whole);
            System.out.println("tile 32 overlap 24: max |tiled - untiled| = " + d);
            assertTrue(d <= 1e-6, "overlap 24: " + d);
        }
        try (SuperResolver s = sr(32, 16)) {
            double d = maxDiff(s.upscale(img, w, h), whole);
            System.out.println("tile 32 overlap 16: max |tiled - untiled| = " + d);
            assertTrue(d <= 1e-4, "overlap 16: " + d);
        }
    }

    @Test
    void outputIsScaleTimesTheInputAndSmallInputsArePaddedAndCroppedBack() {
        try (SuperResolver s = sr(128, 32)) {
            for (int[] wh : new int[][] {{13, 9}, {8, 8}, {3, 5}, {1, 1}}) {
                int w = wh[0];
                int h = wh[1];
                float[] img = TinyModels.pixels(w, h, 7);
                float[] out = s.upscale(img, w, h);
                assertEquals(3 * 4 * w * 4 * h, out.length, w + "x" + h);
                if (w < Tiler.MIN_SIDE || h < Tiler.MIN_SIDE) {
                    // the same as upscaling the replicate-padded 8x8 image and keeping the top-left corner
                    int pw = Math.max(w, 8);
                    int ph = Math.max(h, 8);
                    float[] padded = new float[3 * pw * ph];
                    for (int c = 0; c < 3; c++) {
                        for (int y = 0; y < ph; y++) {
                            for (int x = 0; x < pw; x++) {
                                padded[(c * ph + y) * pw + x] = img[(c * h + Math.min(y, h - 1)) * w + Math.min(x, w - 1)];
                            }
                        }
                    }
                    float[] big = s.upscale(padded, pw, ph);
                    float[] corner = new float[out.length];
                    for (int c = 0; c < 3; c++) {
                        for (int y = 0; y < 4 * h; y++) {
                            System.arraycopy(big, (c * 4 * ph + y) * 4 * pw, corner, (c * 4 * h + y) * 4 * w, 4 * w);
                        }
                    }
                    assertArrayEquals(corner, out, w + "x" + h);
                }
            }
        }
    }

    @Test
    void tileOriginsCoverTheSideWithAtLeastTheOverlap() {
        Tiler t = new Tiler(4, 32, 24);
        assertEquals(List.of(0), t.starts(32));
        assertEquals(List.of(0, 8, 16, 24, 32, 38), t.starts(70));
        assertEquals(List.of(0, 8, 13), t.starts(45));
    }
}
