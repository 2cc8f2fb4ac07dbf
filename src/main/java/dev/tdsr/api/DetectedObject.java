package dev.tdsr.api;

/**
 * One detection in ORIGINAL-image pixels (continuous coordinates: the image spans 0..width, 0..height; boxes are not
 * clipped, as ssd.pytorch). {@code classId} is 1..C-1 in the order of the class names (0 = background never appears).
 */
public record DetectedObject(int classId, String className, double score, double x1, double y1, double x2, double y2) {
    public double width() {
        return x2 - x1;
    }

    public double height() {
        return y2 - y1;
    }
}
