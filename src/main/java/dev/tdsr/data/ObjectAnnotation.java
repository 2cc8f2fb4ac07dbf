package dev.tdsr.data;

/**
 * One annotated object. {@code classIndex} is the 0-based position in the dataset's {@link ClassList} (SSD adds 1
 * for its background class). {@code area} is the file's own area where it has one (COCO: segmentation area, used by
 * COCO's small/medium/large ranges), else the box area.
 */
public record ObjectAnnotation(Box box, int classIndex, String className, boolean difficult, boolean truncated,
                               boolean iscrowd, double area) {
    /** An object with no flags and the box's own area. */
    public static ObjectAnnotation of(Box box, int classIndex, String className) {
        return new ObjectAnnotation(box, classIndex, className, false, false, false, box.area());
    }
}
