package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PriorBoxesTest {
    private static final double EPS = 1e-6;

    @Test
    void ssd300Has8732PriorsInSourceOrder() {
        PriorBoxes p = new PriorBoxes(SsdConfig.voc().priorSpec());
        assertEquals(8732, p.count());
        assertArrayEquals(new int[] {38, 19, 10, 5, 3, 1}, SsdConfig.voc().featureMaps());
        assertEquals(5776, p.offset(1));
        assertEquals(5776 + 2166, p.offset(2));
        assertEquals(8732 - 4, p.offset(5));
    }

    @Test
    void handComputedPriorsOfThe38Map() {
        PriorBoxes p = new PriorBoxes(SsdConfig.voc().priorSpec());
        // row i = 1, column j = 2 of the 38x38 map: location 40, first prior 160; f_k = 300/8 = 37.5, s = 30/300,
        // s' = sqrt(0.1 * 60/300), ratio 2: (s*sqrt2, s/sqrt2) then (s/sqrt2, s*sqrt2)
        double cx = 2.5 / 37.5;
        double cy = 1.5 / 37.5;
        assertArrayEquals(new double[] {cx, cy, 0.1, 0.1}, p.get(160), EPS);
        assertArrayEquals(new double[] {cx, cy, 0.1414214, 0.1414214}, p.get(161), EPS);
        assertArrayEquals(new double[] {cx, cy, 0.1414214, 0.0707107}, p.get(162), EPS);
        assertArrayEquals(new double[] {cx, cy, 0.0707107, 0.1414214}, p.get(163), EPS);
        assertArrayEquals(new double[] {0.5 / 37.5, 0.5 / 37.5, 0.1, 0.1}, p.get(0), EPS); // c0 = 0.013333
    }

    @Test
    void clippingAndTheLastMap() {
        PriorBoxes p = new PriorBoxes(SsdConfig.voc().priorSpec());
        // 1x1 map: s = 0.88, s' = sqrt(0.88 * 1.05) = 0.961249, ratio 2 wide = (1.2445 -> 1.0, 0.622254)
        assertArrayEquals(new double[] {0.5, 0.5, 0.88, 0.88}, p.get(8728), EPS);
        assertArrayEquals(new double[] {0.5, 0.5, 0.961249, 0.961249}, p.get(8729), EPS);
        assertArrayEquals(new double[] {0.5, 0.5, 1.0, 0.622254}, p.get(8730), EPS);
        assertArrayEquals(new double[] {0.5, 0.5, 0.622254, 1.0}, p.get(8731), EPS);
        // 10x10 map, row 0, last column: cx = 9.5 / 9.375 = 1.0133 -> 1.0
        assertEquals(1.0, p.get(p.offset(2) + 9 * 6)[0], 0);
        assertEquals(0.5 / 9.375, p.get(p.offset(2) + 9 * 6)[1], EPS);
    }

    @Test
    void cocoSizes() {
        PriorBoxes p = new PriorBoxes(SsdConfig.coco().priorSpec());
        assertEquals(8732, p.count());
        assertArrayEquals(new double[] {0.5 / 37.5, 0.5 / 37.5, 0.07, 0.07}, p.get(0), EPS); // 21/300
        assertEquals(Math.sqrt(0.07 * 0.15), p.get(1)[2], EPS);
    }

    @Test
    void smallerInputsFollowTheirFeatureMaps() {
        SsdConfig c = new SsdConfig(272, 1.0 / 32, 4, PriorBoxes.Sizes.VOC, false);
        assertArrayEquals(new int[] {34, 17, 9, 5, 3, 1}, c.featureMaps());
        PriorBoxes p = new PriorBoxes(c.priorSpec());
        assertEquals(34 * 34 * 4 + 17 * 17 * 6 + 81 * 6 + 25 * 6 + 9 * 4 + 4, p.count());
        // f_k = map side: the center of column j is (j + 0.5) / 34
        assertEquals(1.5 / 34, p.get(4)[0], EPS);
        assertThrows(IllegalArgumentException.class, () -> new SsdConfig(200, 1, 21, PriorBoxes.Sizes.VOC, false));
    }
}
