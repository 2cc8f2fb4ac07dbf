package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SsdAugmentationTest {
    /** Pixel value encodes its position: R = x/100, G = y/100, B = 0.5. */
    private static Image positions(int w, int h) {
        Image im = Image.blank(w, h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.set(0, x, y, x / 100f);
                im.set(1, x, y, y / 100f);
                im.set(2, x, y, 0.5f);
            }
        }
        return im;
    }

    private static final List<Box> BOXES = List.of(new Box(2, 3, 12, 9), new Box(15, 1, 19, 4));
    private static final int[] LABELS = {4, 7};

    @Test
    void expandShiftsBoxesAndFillsWithMean() {
        SsdAugmentation.State s = new SsdAugmentation.State(positions(20, 10), BOXES, LABELS);
        s.expand(50, 30, 7, 11);
        assertEquals(List.of(new Box(9, 14, 19, 20), new Box(22, 12, 26, 15)), s.boxes());
        assertEquals(50, s.width());
        // rendering at the canvas size is the identity resize: the canvas itself
        Image out = s.render(50, false).image();
        assertEquals(SsdAugmentation.MEAN_RGB[0], out.get(0, 0, 0), 0); // 50x50 output of a 50x30 canvas: rows scale
        assertEquals(SsdAugmentation.MEAN_RGB[2], out.get(2, 6, 20), 0);
    }

    @Test
    void expandRenderedAtCanvasSizeIsTheCanvas() {
        SsdAugmentation.State s = new SsdAugmentation.State(positions(20, 20), BOXES, LABELS);
        s.expand(40, 40, 7, 11);
        Image out = s.render(40, false).image();
        assertEquals(0 / 100f, out.get(0, 7, 11), 1e-6); // source (0,0) at the offset
        assertEquals(19 / 100f, out.get(0, 26, 30), 1e-6);
        assertEquals(19 / 100f, out.get(1, 26, 30), 1e-6);
        assertEquals(SsdAugmentation.MEAN_RGB[0], out.get(0, 6, 11), 0);
        assertEquals(SsdAugmentation.MEAN_RGB[1], out.get(1, 27, 30), 0);
    }

    @Test
    void cropKeepsCentresStrictlyInsideClipsAndShifts() {
        SsdAugmentation.State s = new SsdAugmentation.State(positions(20, 10), BOXES, LABELS);
        // box 1 centre (7, 6) inside; box 2 centre (17, 2.5) outside x < 14
        assertTrue(s.crop(5, 2, 14, 10));
        assertEquals(List.of(new Box(0, 1, 7, 7)), s.boxes());
        assertArrayEquals(new int[] {4}, s.labels());
        assertEquals(9, s.width());
        assertEquals(8, s.height());
        Image out = s.render(9, false).image(); // 9x9 from 9x8: x is the identity
        assertEquals(5 / 100f, out.get(0, 0, 0), 1e-6);
        assertEquals(13 / 100f, out.get(0, 8, 4), 1e-6);
    }

    @Test
    void cropWithNoCentreInsideChangesNothing() {
        SsdAugmentation.State s = new SsdAugmentation.State(positions(20, 10), BOXES, LABELS);
        assertFalse(s.crop(0, 0, 7, 10)); // centre x = 7 is on the edge, not strictly inside
        assertEquals(BOXES, s.boxes());
        assertEquals(20, s.width());
    }

    @Test
    void mirrorMapsX1ToWidthMinusX2() {
        SsdAugmentation.State s = new SsdAugmentation.State(positions(20, 10), BOXES, LABELS);
        s.mirror();
        assertEquals(List.of(new Box(8, 3, 18, 9), new Box(1, 1, 5, 4)), s.boxes());
        Image out = s.render(20, false).image();
        assertEquals(19 / 100f, out.get(0, 0, 0), 1e-6);
        assertEquals(0f, out.get(0, 19, 0), 1e-6);
    }

    @Test
    void resizeNormalisesBoxesAndInterpolatesLikeCv2() {
        SsdAugmentation.State s = new SsdAugmentation.State(positions(20, 10), BOXES, LABELS);
        SsdAugmentation.Result r = s.render(40, false);
        assertArrayEquals(new float[] {0.1f, 0.3f, 0.6f, 0.9f, 0.75f, 0.1f, 0.95f, 0.4f}, r.boxes(), 1e-6f);
        // cv2 INTER_LINEAR: output x samples (x + 0.5) * 20/40 - 0.5; x = 3 -> 1.25; x = 0 -> -0.25 clamped to 0
        assertEquals(1.25f / 100f, r.image().get(0, 3, 0), 1e-6);
        assertEquals(0f, r.image().get(0, 0, 0), 1e-6);
        assertEquals(19 / 100f, r.image().get(0, 39, 0), 1e-6);
        // y: 10 -> 40, output y = 5 samples 5.5 * 0.25 - 0.5 = 0.875
        assertEquals(0.875f / 100f, r.image().get(1, 0, 5), 1e-6);
    }

    @Test
    void expandThenCropThenMirrorComposes() {
        SsdAugmentation.State s = new SsdAugmentation.State(positions(20, 10), BOXES, LABELS);
        s.expand(40, 30, 10, 5); // boxes (12,8,22,14), (25,6,29,9)
        assertTrue(s.crop(10, 5, 30, 15)); // both centres inside: (17, 11), (27, 7.5)
        // after the crop: (2,3,12,9), (15,1,19,4); mirrored in W = 20
        s.mirror();
        assertEquals(List.of(new Box(8, 3, 18, 9), new Box(1, 1, 5, 4)), s.boxes());
        Image out = s.render(20, false).image(); // 20x20 from 20x10
        assertEquals(19 / 100f, out.get(0, 0, 0), 1e-6); // mirrored: column 0 is source x 19
    }

    @Test
    void sameSeedSameResultAndBoxesStayValid() {
        Image src = positions(64, 48);
        SsdAugmentation aug = SsdAugmentation.ssd();
        for (int seed = 0; seed < 30; seed++) {
            SsdAugmentation.Result a = aug.apply(src, BOXES, LABELS, 32, new SplittableRandom(seed));
            SsdAugmentation.Result b = aug.apply(src, BOXES, LABELS, 32, new SplittableRandom(seed));
            assertArrayEquals(a.image().data(), b.image().data());
            assertArrayEquals(a.boxes(), b.boxes());
            assertArrayEquals(a.labels(), b.labels());
            assertTrue(a.labels().length >= 1);
            for (float v : a.boxes()) {
                assertTrue(v >= 0 && v <= 1, "box value " + v);
            }
            for (float v : a.image().data()) {
                assertTrue(v >= 0 && v <= 1);
            }
        }
        assertEquals(0.5f, src.get(2, 3, 3)); // the source is not modified
        assertNotEquals(aug.apply(src, BOXES, LABELS, 32, new SplittableRandom(1)).boxes()[0],
                aug.apply(src, BOXES, LABELS, 32, new SplittableRandom(2)).boxes()[0]);
    }

    @Test
    void enforcedCropIouAcceptsOnlyOverlappingCrops() {
        SsdAugmentation strict = new SsdAugmentation(false, false, true, false, true, true);
        Image src = positions(100, 100);
        List<Box> one = List.of(new Box(40, 40, 60, 60));
        for (int seed = 0; seed < 20; seed++) {
            SsdAugmentation.Result r = strict.apply(src, one, new int[] {0}, 100, new SplittableRandom(seed));
            assertEquals(1, r.labels().length);
        }
    }

    @Test
    void photometricHsvRoundTripAndSaturation() {
        float[] rgb = {0.8f, 0.3f, 0.1f};
        Photometric.shiftHsv(rgb, 1f, 0f);
        assertArrayEquals(new float[] {0.8f, 0.3f, 0.1f}, rgb, 1e-5f);
        Photometric.shiftHsv(rgb, 0f, 0f); // no saturation: grey at V = max
        assertArrayEquals(new float[] {0.8f, 0.8f, 0.8f}, rgb, 1e-6f);
        float[] red = {1f, 0f, 0f};
        Photometric.shiftHsv(red, 1f, 120f); // red + 120 degrees = green
        assertArrayEquals(new float[] {0f, 1f, 0f}, red, 1e-5f);
        Image im = positions(4, 4);
        new Photometric(0.1f, true, 2f, 1f, 0f, new int[] {2, 1, 0}).applyInPlace(im);
        // (x/100 + 0.1) * 2 moved to the blue plane; no clipping
        assertEquals((3 / 100f + 0.1f) * 2, im.get(2, 3, 0), 1e-6);
        assertEquals((0.5f + 0.1f) * 2, im.get(0, 3, 0), 1e-6);
    }
}
