package dev.tdsr.models;

import java.util.Arrays;

/**
 * SSD default boxes as ssd.pytorch's PriorBox: center-size (cx, cy, w, h), normalised to [0,1], every number clamped
 * to [0,1] (clip=True), in the order source k, row i, column j, then [s, s'] and per aspect ratio (wide, tall).
 */
public final class PriorBoxes {
    public enum Sizes {
        VOC(new double[] {30, 60, 111, 162, 213, 264}, new double[] {60, 111, 162, 213, 264, 315}),
        COCO(new double[] {21, 45, 99, 153, 207, 261}, new double[] {45, 99, 153, 207, 261, 315});

        final double[] min;
        final double[] max;

        Sizes(double[] min, double[] max) {
            this.min = min;
            this.max = max;
        }
    }

    /** Aspect ratios per source; boxes per location = 2 + 2 * ratios. */
    static final int[][] ASPECT_RATIOS = {{2}, {2, 3}, {2, 3}, {2, 3}, {2}, {2}};

    /** One source map per entry: side, step (pixels), min/max box size (pixels), all for an image of imageSize. */
    public record Spec(int imageSize, int[] featureMaps, double[] steps, double[] minSizes, double[] maxSizes,
            boolean clip) {
        /**
         * The original table at 300 (steps 8..300, so f_k = 300/step = 37.5, 18.75, ... as ssd.pytorch); at other
         * sizes the steps follow from the maps (f_k = map side) and the box sizes keep their fraction of the image.
         */
        public static Spec of(Sizes sizes, int imageSize, int[] maps) {
            double[] steps = new double[maps.length];
            double[] min = new double[maps.length];
            double[] max = new double[maps.length];
            boolean original = imageSize == 300 && Arrays.equals(maps, new int[] {38, 19, 10, 5, 3, 1});
            double[] originalSteps = {8, 16, 32, 64, 100, 300};
            for (int k = 0; k < maps.length; k++) {
                steps[k] = original ? originalSteps[k] : (double) imageSize / maps[k];
                min[k] = sizes.min[k] * imageSize / 300.0;
                max[k] = sizes.max[k] * imageSize / 300.0;
            }
            return new Spec(imageSize, maps.clone(), steps, min, max, true);
        }
    }

    private final double[] boxes; // [P * 4]
    private final int[] offsets;  // first prior of each source, plus the total at the end

    public PriorBoxes(Spec spec) {
        int k = spec.featureMaps().length;
        offsets = new int[k + 1];
        for (int s = 0; s < k; s++) {
            int f = spec.featureMaps()[s];
            offsets[s + 1] = offsets[s] + f * f * boxesPerLocation(s);
        }
        boxes = new double[offsets[k] * 4];
        int n = 0;
        for (int s = 0; s < k; s++) {
            int f = spec.featureMaps()[s];
            double fk = spec.imageSize() / spec.steps()[s];
            double size = spec.minSizes()[s] / spec.imageSize();
            double big = Math.sqrt(size * (spec.maxSizes()[s] / spec.imageSize()));
            for (int i = 0; i < f; i++) {
                for (int j = 0; j < f; j++) {
                    double cx = (j + 0.5) / fk;
                    double cy = (i + 0.5) / fk;
                    n = put(n, spec.clip(), cx, cy, size, size);
                    n = put(n, spec.clip(), cx, cy, big, big);
                    for (int ar : ASPECT_RATIOS[s]) {
                        double r = Math.sqrt(ar);
                        n = put(n, spec.clip(), cx, cy, size * r, size / r);
                        n = put(n, spec.clip(), cx, cy, size / r, size * r);
                    }
                }
            }
        }
    }

    public static int boxesPerLocation(int source) {
        return 2 + 2 * ASPECT_RATIOS[source].length;
    }

    private int put(int n, boolean clip, double... v) {
        for (double d : v) {
            boxes[n++] = clip ? Math.min(1, Math.max(0, d)) : d;
        }
        return n;
    }

    public int count() {
        return offsets[offsets.length - 1];
    }

    /** Index of the first prior of source {@code k}. */
    public int offset(int k) {
        return offsets[k];
    }

    /** (cx, cy, w, h) of prior {@code p}. */
    public double[] get(int p) {
        return Arrays.copyOfRange(boxes, 4 * p, 4 * p + 4);
    }

    /** All priors, [P * 4] center-size (a copy). */
    public double[] centerSize() {
        return boxes.clone();
    }
}
