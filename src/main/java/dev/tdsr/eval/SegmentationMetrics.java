package dev.tdsr.eval;

import java.util.Arrays;

/**
 * Segmentation scores from a confusion matrix over classes 0..K-1 (background included), VOC style: pixels whose
 * ground truth is the ignore label (255) are skipped; IoU_k = TP_k / (TP_k + FP_k + FN_k); mIoU is the mean of IoU_k
 * over the classes present in the ground truth or the prediction (a class absent from both has no IoU, as in VOC's
 * devkit where 0/0 drops out); pixel accuracy = sum TP / counted pixels.
 */
public final class SegmentationMetrics {
    public static final int IGNORE = 255;
    private final int classes;
    /** confusion[truth * K + predicted]. */
    private final long[] confusion;

    public SegmentationMetrics(int classes) {
        if (classes < 1 || classes > 255) {
            throw new IllegalArgumentException("segmentation metrics: need 1..255 classes, got " + classes);
        }
        this.classes = classes;
        this.confusion = new long[classes * classes];
    }

    /** Adds one image: {@code truth} and {@code predicted} per pixel (same length), truth may be 255. */
    public void add(int[] truth, int[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException("segmentation metrics: " + truth.length + " truth pixels and "
                    + predicted.length + " predicted");
        }
        for (int i = 0; i < truth.length; i++) {
            int t = truth[i];
            if (t == IGNORE) {
                continue;
            }
            int p = predicted[i];
            if (t < 0 || t >= classes || p < 0 || p >= classes) {
                throw new IllegalArgumentException("segmentation metrics: pixel " + i + " has truth " + t
                        + ", prediction " + p + "; expected 0.." + (classes - 1) + " (truth also 255)");
            }
            confusion[t * classes + p]++;
        }
    }

    /** Adds {@code times} copies of another image's (or set's) counts: a bootstrap resample draws images so. */
    public void add(SegmentationMetrics other, int times) {
        if (other.classes != classes) {
            throw new IllegalArgumentException("segmentation metrics: " + other.classes + " classes added to "
                    + classes);
        }
        for (int i = 0; i < confusion.length; i++) {
            confusion[i] += times * other.confusion[i];
        }
    }

    /** Mean IoU of each bootstrap resample ({@link PairedBootstrap#counts}) of per-image metrics. */
    public static double[] resampledMeanIou(java.util.List<SegmentationMetrics> perImage, int[][] counts) {
        double[] out = new double[counts.length];
        for (int r = 0; r < counts.length; r++) {
            SegmentationMetrics m = new SegmentationMetrics(perImage.get(0).classes);
            for (int i = 0; i < perImage.size(); i++) {
                if (counts[r][i] > 0) {
                    m.add(perImage.get(i), counts[r][i]);
                }
            }
            out[r] = m.meanIou();
        }
        return out;
    }

    public long count(int truth, int predicted) {
        return confusion[truth * classes + predicted];
    }

    /** IoU of each class; NaN for a class absent from both truth and prediction. */
    public double[] classIou() {
        double[] iou = new double[classes];
        for (int k = 0; k < classes; k++) {
            long tp = count(k, k);
            long rowSum = 0;
            long colSum = 0;
            for (int j = 0; j < classes; j++) {
                rowSum += count(k, j);
                colSum += count(j, k);
            }
            long union = rowSum + colSum - tp;
            iou[k] = union == 0 ? Double.NaN : (double) tp / union;
        }
        return iou;
    }

    /** Mean IoU over the classes present in truth or prediction (NaN when no pixel was counted). */
    public double meanIou() {
        return Arrays.stream(classIou()).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
    }

    /** Correct pixels / counted pixels (NaN when none was counted). */
    public double pixelAccuracy() {
        long correct = 0;
        long total = 0;
        for (int t = 0; t < classes; t++) {
            for (int p = 0; p < classes; p++) {
                total += count(t, p);
            }
            correct += count(t, t);
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    public int classes() {
        return classes;
    }
}
