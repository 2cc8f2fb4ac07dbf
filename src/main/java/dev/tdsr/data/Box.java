package dev.tdsr.data;

/**
 * An axis-aligned box in pixels, 0-based continuous coordinates: {@code (x1, y1)} top-left, {@code (x2, y2)}
 * bottom-right, width {@code x2 - x1}. Readers document how their file convention maps onto this one.
 */
public record Box(double x1, double y1, double x2, double y2) {
    public double width() {
        return x2 - x1;
    }

    public double height() {
        return y2 - y1;
    }

    /** Area, 0 for an empty or inverted box. */
    public double area() {
        return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
    }

    public double centreX() {
        return (x1 + x2) / 2;
    }

    public double centreY() {
        return (y1 + y2) / 2;
    }

    public Box translate(double dx, double dy) {
        return new Box(x1 + dx, y1 + dy, x2 + dx, y2 + dy);
    }

    public Box scale(double sx, double sy) {
        return new Box(x1 * sx, y1 * sy, x2 * sx, y2 * sy);
    }

    /** Intersection with another box (may be empty: check {@link #area()}). */
    public Box intersect(Box o) {
        return new Box(Math.max(x1, o.x1), Math.max(y1, o.y1), Math.min(x2, o.x2), Math.min(y2, o.y2));
    }

    /** Intersection over union, 0 when the union is empty. */
    public double iou(Box o) {
        double inter = intersect(o).area();
        double union = area() + o.area() - inter;
        return union > 0 ? inter / union : 0;
    }
}
