package dev.tdsr.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SegmentationMetricsTest {
    private static final int I = SegmentationMetrics.IGNORE;

    /**
     * Three classes, 8 pixels, one ignored:
     * <pre>
     *   truth      0 0 0 1 1 2 2 255
     *   predicted  0 0 1 1 2 2 2 0
     *   confusion (truth rows): [0] 2 1 0   [1] 0 1 1   [2] 0 0 2     (the ignored pixel is not counted)
     *   IoU_0 = 2 / (3 + 2 - 2) = 2/3      IoU_1 = 1 / (2 + 2 - 1) = 1/3      IoU_2 = 2 / (2 + 3 - 2) = 2/3
     *   mIoU = (2/3 + 1/3 + 2/3) / 3 = 5/9      pixel accuracy = (2 + 1 + 2) / 7 = 5/7
     * </pre>
     */
    @Test
    void handComputedConfusion() {
        SegmentationMetrics m = new SegmentationMetrics(3);
        m.add(new int[] {0, 0, 0, 1, 1, 2, 2, I}, new int[] {0, 0, 1, 1, 2, 2, 2, 0});
        assertEquals(2, m.count(0, 0)); // not 3: the ignored pixel (predicted 0) is skipped
        assertEquals(1, m.count(0, 1));
        assertEquals(0, m.count(0, 2));
        double[] iou = m.classIou();
        assertEquals(2.0 / 3, iou[0], 1e-15);
        assertEquals(1.0 / 3, iou[1], 1e-15);
        assertEquals(2.0 / 3, iou[2], 1e-15);
        assertEquals(5.0 / 9, m.meanIou(), 1e-15);
        assertEquals(5.0 / 7, m.pixelAccuracy(), 1e-15);
    }

    /**
     * Four classes, class 3 absent from truth and prediction, class 2 only predicted (two images accumulate):
     * <pre>
     *   image 1: truth 0 0 1 1   predicted 0 2 1 1
     *   image 2: truth 1 255     predicted 0 1
     *   confusion: [0] 1 0 1 0   [1] 1 2 0 0   [2] 0 0 0 0   [3] 0 0 0 0
     *   IoU_0 = 1 / (2 + 2 - 1) = 1/3   IoU_1 = 2 / (3 + 2 - 2) = 2/3   IoU_2 = 0 / (0 + 1 - 0) = 0   IoU_3 = NaN
     *   mIoU over classes 0..2 = (1/3 + 2/3 + 0) / 3 = 1/3
     *   pixel accuracy = (1 + 2) / 5 counted pixels (4 + 1, the 255 skipped) = 3/5
     * </pre>
     */
    @Test
    void absentClassesDropOutPredictedOnlyOnesCountZero() {
        SegmentationMetrics m = new SegmentationMetrics(4);
        m.add(new int[] {0, 0, 1, 1}, new int[] {0, 2, 1, 1});
        m.add(new int[] {1, I}, new int[] {0, 1});
        double[] iou = m.classIou();
        assertEquals(1.0 / 3, iou[0], 1e-15);
        assertEquals(2.0 / 3, iou[1], 1e-15);
        assertEquals(0.0, iou[2]);
        assertTrue(Double.isNaN(iou[3]));
        assertEquals(1.0 / 3, m.meanIou(), 1e-15);
        assertEquals(3.0 / 5, m.pixelAccuracy(), 1e-15);
    }

    /** A resample that draws image 1 twice and image 2 never scores as image 1 alone (IoU is a ratio of counts). */
    @Test
    void resamplesWeighImagesByTheirCounts() {
        SegmentationMetrics a = new SegmentationMetrics(2);
        a.add(new int[] {0, 1, 1}, new int[] {0, 1, 0}); // IoU_0 = 1/2, IoU_1 = 1/2
        SegmentationMetrics b = new SegmentationMetrics(2);
        b.add(new int[] {0, 0}, new int[] {0, 0}); // IoU_0 = 1, class 1 absent
        double[] m = SegmentationMetrics.resampledMeanIou(java.util.List.of(a, b), new int[][] {{2, 0}, {1, 1}});
        assertEquals(0.5, m[0], 1e-15);
        // {1, 1}: confusion [0] 3 0  [1] 1 1 -> IoU_0 = 3 / (3 + 4 - 3) = 3/4, IoU_1 = 1 / (2 + 1 - 1) = 1/2
        assertEquals((0.75 + 0.5) / 2, m[1], 1e-15);
    }

    @Test
    void emptyAndBadInput() {
        SegmentationMetrics m = new SegmentationMetrics(2);
        m.add(new int[] {I, I}, new int[] {0, 1});
        assertTrue(Double.isNaN(m.meanIou()));
        assertTrue(Double.isNaN(m.pixelAccuracy()));
        assertThrows(IllegalArgumentException.class, () -> m.add(new int[] {2}, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> m.add(new int[] {0}, new int[] {0, 1}));
    }
}
