package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Augmentation of HR/LR pairs (issue 21) on synthetic pairs where LR is a known function of HR: the block mean of
 * scale x scale HR pixels. Where the final frame needs no resize, the augmented LR must equal the block mean of the
 * augmented HR exactly; through the random chain (crops resized to the output) the block mean of a linear ramp is the
 * ramp at the block centre, which bilinear resizing keeps, so there they agree to float rounding.
 */
class PairedAugmentationTest {
    private static final int G = 4;
    private static final List<Box> BOXES = List.of(new Box(8, 8, 40, 36), new Box(30, 4, 60, 20));
    private static final int[] LABELS = {1, 2};

    /** Values k/256: every block sum is exact in double, so the block mean is exact. */
    private static Image exactValues(int w, int h, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Image im = Image.blank(w, h);
        for (int i = 0; i < im.data().length; i++) {
            im.data()[i] = rng.nextInt(256) / 256f;
        }
        return im;
    }

    /** R = x/200, G = y/200, B = (x + 2y)/400 + 0.1: linear in the pixel position. */
    private static Image ramp(int w, int h) {
        Image im = Image.blank(w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.set(0, x, y, x / 200f);
                im.set(1, x, y, y / 200f);
                im.set(2, x, y, (x + 2 * y) / 400f + 0.1f);
            }
        }
        return im;
    }

    static Image blockMean(Image hr, int g) {
        int w = Bicubic.outLength(hr.width(), g);
        int h = Bicubic.outLength(hr.height(), g);
        Image lr = Image.blank(w, h);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double sum = 0;
                    int n = 0;
                    for (int dy = 0; dy < g && y * g + dy < hr.height(); dy++) {
                        for (int dx = 0; dx < g && x * g + dx < hr.width(); dx++) {
                            sum += hr.get(c, x * g + dx, y * g + dy);
                            n++;
                        }
                    }
                    lr.set(c, x, y, (float) (sum / n));
                }
            }
        }
        return lr;
    }

    @Test
    void expandCropMirrorOnTheGridGiveTheBlockMeanOfTheAugmentedHrExactly() {
        Image hr = exactValues(64, 48, 1);
        Image lr = blockMean(hr, G);
        SsdAugmentation.State s = new SsdAugmentation.State(hr, BOXES, LABELS);
        s.expand(96, 80, 12, 20); // mean-filled canvas: the fill's block mean is the fill
        assertTrue(s.crop(8, 12, 72, 76)); // 64x64, reaching into the fill on every side but the bottom
        s.mirror();
        SsdAugmentation.Result r = s.render(64, false); // 64 -> 64: no resize
        Image lrAug = r.follow(lr, G, 16);
        assertArrayEquals(blockMean(r.image(), G).data(), lrAug.data());
        assertEquals(SsdAugmentation.MEAN_RGB[0], lrAug.get(0, 15, 5), 0); // mirrored: the left fill is on the right
        assertEquals(lr.get(0, 0, 3), lrAug.get(0, 15 - 1 - 0, 5), 0); // LR (0,3) lands at x 14, y 5
    }

    @Test
    void photometricDrawIsAppliedToTheLrToo() {
        Image hr = exactValues(32, 32, 2);
        Image lr = blockMean(hr, G);
        SsdAugmentation photoOnly = new SsdAugmentation(true, false, false, false, false, false);
        for (long seed = 0; seed < 20; seed++) {
            SsdAugmentation.Result r = photoOnly.apply(hr, BOXES.subList(0, 1), new int[] {1}, 32, G,
                    new SplittableRandom(seed));
            Image expected = lr.copy();
            r.photometric().applyInPlace(expected);
            assertArrayEquals(expected.data(), r.follow(lr, G, 8).data(), "seed " + seed);
            Image hrExpected = hr.copy();
            r.photometric().applyInPlace(hrExpected);
            assertArrayEquals(hrExpected.data(), r.image().data(), "seed " + seed); // the same draw made the HR
        }
    }

    @Test
    void randomChainKeepsThePairAlignedOnTheGrid() {
        Image hr = ramp(128, 96);
        Image lr = blockMean(hr, G);
        // geometry only (photometric is checked above; HSV is not linear), no clamp (not linear either)
        SsdAugmentation geometry = new SsdAugmentation(false, false, true, true, false, false);
        List<Box> boxes = List.of(new Box(10, 10, 100, 80), new Box(50, 20, 120, 90));
        int cropped = 0;
        for (long seed = 0; seed < 60; seed++) {
            SsdAugmentation.Result r = geometry.apply(hr, boxes, new int[] {1, 2}, 64, G, new SplittableRandom(seed));
            Image lrAug = r.follow(lr, G, 16);
            Image expected = blockMean(r.image(), G);
            if (r.frame().width() != 128) {
                cropped++;
            }
            double worst = 0;
            for (int c = 0; c < 3; c++) {
                for (int y = 1; y < 15; y++) { // the border row and column replicate edge pixels: not linear
                    for (int x = 1; x < 15; x++) {
                        worst = Math.max(worst, Math.abs(lrAug.get(c, x, y) - expected.get(c, x, y)));
                    }
                }
            }
            assertTrue(worst < 2e-5, "seed " + seed + ": LR differs from the block mean of HR by " + worst);
        }
        assertTrue(cropped > 20, "the chain cropped in " + cropped + " of 60 draws");
    }

    @Test
    void offGridFramesAndMismatchedPairsAreRefused() {
        Image hr = exactValues(64, 48, 3);
        SsdAugmentation.State s = new SsdAugmentation.State(hr, BOXES, LABELS);
        assertTrue(s.crop(6, 0, 64, 48));
        SsdAugmentation.Result r = s.render(32, true);
        assertThrows(IllegalStateException.class, () -> r.follow(blockMean(hr, G), G, 8));
        SsdAugmentation.State t = new SsdAugmentation.State(hr, BOXES, LABELS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.render(32, true).follow(Image.blank(15, 12), G, 8));
        assertTrue(e.getMessage().contains("16x12"), e.getMessage());
    }

    @Test
    void onTheGridEveryRandomFrameStartsOnIt() {
        Image hr = exactValues(75, 50, 4); // sides off the grid: crops may end at the source's edge
        SsdAugmentation chain = SsdAugmentation.ssd();
        for (long seed = 0; seed < 100; seed++) {
            SsdAugmentation.Result r = chain.apply(hr, BOXES, LABELS, 40, G, new SplittableRandom(seed));
            Image lrAug = r.follow(blockMean(hr, G), G, 10); // throws when a frame is off the grid
            assertEquals(10, lrAug.width());
        }
    }
}
