package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BicubicTest {
    /** Single-channel-per-plane image whose three planes hold v(x, y) + c. */
    private static Image image(int w, int h, java.util.function.IntBinaryOperator v) {
        Image im = Image.blank(w, h);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    im.set(c, x, y, v.applyAsInt(x, y) + 100 * c);
                }
            }
        }
        return im;
    }

    @Test
    void kernelValuesByHand() {
        assertEquals(1.0, Bicubic.cubic(0), 0);
        assertEquals(0.5625, Bicubic.cubic(0.5), 1e-12); // 1.5/8 - 2.5/4 + 1
        assertEquals(-0.0703125, Bicubic.cubic(1.25), 1e-12);
        assertEquals(0.0, Bicubic.cubic(1), 1e-12);
        assertEquals(0.0, Bicubic.cubic(2.5), 0);
    }

    @Test
    void mirrorIndexIsMatlabSymmetric() {
        // aux = [1 2 3 4 4 3 2 1] repeated
        int[] expected = {2, 1, 1, 2, 3, 4, 4, 3, 2, 1, 1};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], Bicubic.mirror(i - 1, 4), "pos " + (i - 1));
        }
    }

    /**
     * 4x4 -> 2x2 at scale 1/2: output 1 sits at u = 1.5, kernel 0.5*h(0.5*d), taps -2..5 mirrored onto 1..4. Summing
     * the normalised weights per source pixel by hand gives 35/64, 51/128, 13/128, -3/64 (output 2 reversed).
     */
    @Test
    void fourByFourToTwoByTwoMatchesHandWeights() {
        double[][] w = {{35 / 64.0, 51 / 128.0, 13 / 128.0, -3 / 64.0}, {-3 / 64.0, 13 / 128.0, 51 / 128.0, 35 / 64.0}};
        int[][] a = {{1, 7, 3, 12}, {5, 0, 9, 2}, {8, 4, 6, 11}, {10, 15, 13, 14}};
        Image in = image(4, 4, (x, y) -> a[y][x]);
        Image out = Bicubic.downscale(in, 2);
        assertEquals(2, out.width());
        assertEquals(2, out.height());
        for (int c = 0; c < 3; c++) {
            for (int oy = 0; oy < 2; oy++) {
                for (int ox = 0; ox < 2; ox++) {
                    double e = 0;
                    for (int y = 0; y < 4; y++) {
                        for (int x = 0; x < 4; x++) {
                            e += w[oy][y] * w[ox][x] * (a[y][x] + 100 * c);
                        }
                    }
                    assertEquals(e, out.get(c, ox, oy), 1e-4, "c" + c + " (" + ox + "," + oy + ")");
                }
            }
        }
    }

    @Test
    void outputSizesAreCeilOfScale() {
        Image hr = Image.blank(300, 300);
        assertEquals(150, Bicubic.downscale(hr, 2).width());
        assertEquals(75, Bicubic.downscale(hr, 4).width());
        assertEquals(38, Bicubic.downscale(hr, 8).width());
        assertEquals(38, Bicubic.downscale(hr, 8).height());
    }

    @Test
    void constantImageStaysConstant() {
        Image in = image(300, 300, (x, y) -> 7);
        for (int s : new int[] {2, 4, 8}) {
            Image out = Bicubic.downscale(in, s);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < out.height(); y++) {
                    for (int x = 0; x < out.width(); x++) {
                        assertEquals(7 + 100 * c, out.get(c, x, y), 1e-3);
                    }
                }
            }
        }
        Image up = Bicubic.resize(image(38, 38, (x, y) -> 3), 300, 300);
        assertEquals(3, up.get(0, 0, 0), 1e-4);
        assertEquals(3, up.get(0, 299, 150), 1e-4);
    }

    /** A ramp f = x (0-based) sampled at u (1-based) = 4 ox + 2.5 gives 4 ox + 1.5 where no tap is mirrored. */
    @Test
    void linearRampStaysLinearInTheInterior() {
        Image in = image(64, 8, (x, y) -> x);
        Image out = Bicubic.downscale(in, 4); // width 16 taps reach u +- 8
        for (int ox = 2; ox < 14; ox++) {
            assertEquals(4 * ox + 1.5, out.get(0, ox, 1), 1e-3, "x " + ox);
        }
        // by the border the mirrored taps bend the ramp
        double edge = out.get(0, 0, 1);
        org.junit.jupiter.api.Assertions.assertNotEquals(1.5, edge, 1e-2);
    }

    @Test
    void upscaleWithoutAntialiasInterpolatesSamples() {
        // enlarging 2x: output 2k+1 and 2k+2 (1-based) sit at u = k + 0.75 and k + 1.25; a ramp stays a ramp inside
        Image in = image(16, 4, (x, y) -> 2 * x);
        Image out = Bicubic.resize(in, 32, 4);
        for (int ox = 4; ox < 28; ox++) {
            double u0 = (ox + 1) / 2.0 + 0.25 - 1; // 0-based source coordinate
            assertEquals(2 * u0, out.get(0, ox, 2), 1e-4, "x " + ox);
        }
        assertEquals(0, out.get(0, 0, 0), 0.2); // left border replicated, not extrapolated far below 0
    }

    @Test
    void rowsOfAResizeAreBitIdenticalToTheSameRowsOfTheWhole() {
        float[] px = new float[3 * 23 * 17];
        java.util.Random r = new java.util.Random(9);
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextFloat();
        }
        Image im = new Image(23, 17, px);
        for (int[] out : new int[][] {{92, 68}, {23 * 8, 17 * 8}, {8, 6}, {50, 40}}) {
            float[] whole = Bicubic.resize(im, out[0], out[1]).data();
            for (int[] band : new int[][] {{0, 1}, {3, 3}, {out[1] - 2, 2}, {0, out[1]}}) {
                float[] rows = Bicubic.resizeRows(im, out[0], out[1], band[0], band[1]).data();
                for (int c = 0; c < 3; c++) {
                    for (int i = 0; i < band[1] * out[0]; i++) {
                        assertEquals(whole[(c * out[1] + band[0]) * out[0] + i], rows[c * band[1] * out[0] + i],
                                "out " + out[0] + "x" + out[1] + ", rows from " + band[0] + ", channel " + c);
                    }
                }
            }
        }
    }
}
