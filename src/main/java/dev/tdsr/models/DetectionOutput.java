package dev.tdsr.models;

import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * SSD inference (ssd.pytorch's Detect): softmax over classes, decode every prior, then per class c >= 1 keep scores >
 * {@code scoreThreshold}, the {@code perClassTopK} best of those, greedy NMS suppressing IoU > {@code nmsIou}; then
 * the {@code perImageTopK} best over all classes of an image (the cap ssd.pytorch intended and Caffe SSD/torchvision
 * apply). Boxes are scaled by each image's original width and height (no clipping, as ssd.pytorch).
 */
public final class DetectionOutput {
    private final PriorBoxes priors;
    private final double[] priorCs;
    private final int numClasses;
    private final double scoreThreshold;
    private final int perClassTopK;
    private final double nmsIou;
    private final int perImageTopK;

    public DetectionOutput(PriorBoxes priors, int numClasses, double scoreThreshold, int perClassTopK, double nmsIou,
            int perImageTopK) {
        this.priors = priors;
        this.priorCs = priors.centerSize();
        this.numClasses = numClasses;
        this.scoreThreshold = scoreThreshold;
        this.perClassTopK = perClassTopK;
        this.nmsIou = nmsIou;
        this.perImageTopK = perImageTopK;
    }

    /** ssd.pytorch's settings: score 0.01, top 200 per class, NMS 0.45, top 200 per image. */
    public static DetectionOutput standard(PriorBoxes priors, int numClasses) {
        return new DetectionOutput(priors, numClasses, 0.01, 200, 0.45, 200);
    }

    /** Detections of loc [N,P,4] and conf logits [N,P,C]; {@code widths}/{@code heights}: original image sizes. */
    public List<Detection> detect(Tensor loc, Tensor conf, double[] widths, double[] heights) {
        int n = (int) loc.dim(0);
        int p = priors.count();
        if (widths.length != n || heights.length != n) {
            throw new IllegalArgumentException("DetectionOutput: " + n + " images but " + widths.length + " widths and "
                    + heights.length + " heights");
        }
        Tensor probs = conf.backend().allocate(conf.dtype(), (long) n * p, numClasses);
        conf.backend().softmaxRows(conf.reshape((long) n * p, numClasses), probs);
        double[] score = HostDoubles.read(probs);
        double[] d = HostDoubles.read(loc);
        List<Detection> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] boxes = new double[p * 4];
            for (int q = 0; q < p; q++) {
                BoxMath.decode(d, 4 * (i * p + q), priorCs, 4 * q, boxes, 4 * q);
            }
            List<Detection> image = new ArrayList<>();
            for (int c = 1; c < numClasses; c++) {
                for (int q : nms(candidates(score, i * p, p, c), boxes)) {
                    image.add(new Detection(i, c, score[(i * p + q) * numClasses + c], boxes[4 * q] * widths[i],
                            boxes[4 * q + 1] * heights[i], boxes[4 * q + 2] * widths[i], boxes[4 * q + 3] * heights[i]));
                }
            }
            image.sort(Comparator.comparingDouble(Detection::score).reversed());
            out.addAll(image.subList(0, Math.min(perImageTopK, image.size())));
        }
        return out;
    }

    /** Priors of class c above the threshold, best first, at most perClassTopK; each entry {prior, score}. */
    private List<double[]> candidates(double[] score, int base, int p, int c) {
        List<double[]> cand = new ArrayList<>();
        for (int q = 0; q < p; q++) {
            double s = score[(base + q) * numClasses + c];
            if (s > scoreThreshold) {
                cand.add(new double[] {q, s});
            }
        }
        cand.sort((a, b) -> Double.compare(b[1], a[1]));
        return cand.subList(0, Math.min(perClassTopK, cand.size()));
    }

    /** Greedy NMS in descending score order; returns the kept prior indices. */
    private int[] nms(List<double[]> cand, double[] boxes) {
        int[] kept = new int[cand.size()];
        int k = 0;
        for (double[] c : cand) {
            int q = (int) c[0];
            boolean keep = true;
            for (int j = 0; j < k && keep; j++) {
                keep = BoxMath.iou(boxes, 4 * q, boxes, 4 * kept[j]) <= nmsIou;
            }
            if (keep) {
                kept[k++] = q;
            }
        }
        return Arrays.copyOf(kept, k);
    }
}
