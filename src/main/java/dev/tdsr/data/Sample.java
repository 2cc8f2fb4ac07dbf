package dev.tdsr.data;

import java.nio.file.Path;
import java.util.List;

/** One image of a dataset: its id (file stem for VOC, numeric id for COCO), file, size in pixels and objects. */
public record Sample(String id, Path imagePath, int width, int height, List<ObjectAnnotation> objects) {
    public Sample {
        objects = List.copyOf(objects);
    }
}
