package dev.tdsr.data;

import java.util.List;

/**
 * One ready batch. {@code hr} is N x 3 x hrSize x hrSize and {@code lr} N x 3 x lrHeight x lrWidth, float NCHW RGB
 * in [0,1]. {@code boxes.get(i)} holds image i's boxes normalised to [0,1] in the HR frame as x1, y1, x2, y2
 * repeated; {@code labels.get(i)} their 0-based class indices; {@code samples.get(i)} the source sample (original
 * size and annotations, for evaluation); {@code masks.get(i)} image i's class mask in the HR frame (a segmentation
 * run's loader only, see {@link BatchLoader#BatchLoader(Dataset, LoaderConfig, int)}; null otherwise).
 *
 * @param index global batch number from 0 (across epochs)
 * @param epoch the epoch it belongs to, from 0
 */
public record Batch(long index, int epoch, int size, int hrSize, int lrWidth, int lrHeight, float[] hr, float[] lr,
                   List<float[]> boxes, List<int[]> labels, List<Sample> samples, List<SegmentationMask> masks) {
    public Batch(long index, int epoch, int size, int hrSize, int lrWidth, int lrHeight, float[] hr, float[] lr,
            List<float[]> boxes, List<int[]> labels, List<Sample> samples) {
        this(index, epoch, size, hrSize, lrWidth, lrHeight, hr, lr, boxes, labels, samples, null);
    }
}
