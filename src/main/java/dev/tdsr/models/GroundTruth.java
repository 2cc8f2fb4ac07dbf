package dev.tdsr.models;

/**
 * The objects of one image: {@code boxes} [G*4] corners (x1, y1, x2, y2) normalised to [0,1] by the image size,
 * {@code labels} [G] 0-based object classes (background excluded; the network's class is label + 1).
 */
public record GroundTruth(double[] boxes, int[] labels) {
    public GroundTruth {
        if (boxes.length != 4 * labels.length) {
            throw new IllegalArgumentException("GroundTruth.boxes: expected 4 numbers per label (" + labels.length
                    + " labels), got " + boxes.length);
        }
        for (int g = 0; g < labels.length; g++) {
            if (!(boxes[4 * g + 2] > boxes[4 * g] && boxes[4 * g + 3] > boxes[4 * g + 1])) {
                throw new IllegalArgumentException("GroundTruth.boxes[" + g + "]: expected x1 < x2 and y1 < y2, got ("
                        + boxes[4 * g] + ", " + boxes[4 * g + 1] + ", " + boxes[4 * g + 2] + ", " + boxes[4 * g + 3]
                        + ")");
            }
            if (labels[g] < 0) {
                throw new IllegalArgumentException("GroundTruth.labels[" + g + "]: expected >= 0, got " + labels[g]);
            }
        }
        boxes = boxes.clone();
        labels = labels.clone();
    }

    public int size() {
        return labels.length;
    }
}
