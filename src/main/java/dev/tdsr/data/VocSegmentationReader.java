package dev.tdsr.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads VOC's segmentation layout: {@code VOC<year>/ImageSets/Segmentation/<set>.txt} lists ids,
 * {@code JPEGImages/<id>.jpg} is the image and {@code SegmentationClass/<id>.png} its class mask (palette indices:
 * 0 background, k for object class k-1 of the class list, 255 void). Object classes come from {@code classes.txt}
 * as for detection ({@link Datasets}), so a dataset with C object classes has C + 1 segmentation classes. Every
 * mask's header size is checked against its JPEG's when the set is read; its indices when it is loaded.
 */
public final class VocSegmentationReader {
    /** One segmented image. */
    public record Item(String id, Path image, Path mask, int width, int height) {}

    /** A segmentation set: its items and the class names, background first. */
    public record Set(String name, List<String> classNames, List<Item> items) {
        public Set {
            classNames = List.copyOf(classNames);
            items = List.copyOf(items);
        }

        public int classes() {
            return classNames.size();
        }

        /**
         * The set as a {@link Dataset} of its images (no boxes) for the {@link BatchLoader}, whose segmentation mode
         * finds each mask by {@link #maskOf}; the class list is the object classes (background not included).
         */
        public Dataset dataset() {
            List<Sample> samples = new ArrayList<>();
            for (Item it : items) {
                samples.add(new Sample(it.id(), it.image(), it.width(), it.height(), List.of()));
            }
            return new Dataset(name, ClassList.of(classNames.subList(1, classNames.size())), samples,
                    new LoadSummary(BadInputPolicy.FAIL_FAST));
        }
    }

    /** Where the mask of a VOC sample lies: {@code SegmentationClass/<id>.png} beside its {@code JPEGImages}. */
    public static Path maskOf(Sample sample) {
        return sample.imagePath().toAbsolutePath().getParent().getParent().resolve("SegmentationClass")
                .resolve(sample.id() + ".png");
    }

    /** A decoded image and its mask, of the same size. */
    public record Loaded(Image image, SegmentationMask mask) {}

    private VocSegmentationReader() {}

    /** Reads set {@code set} of VOC2007, else of VOC2012 (the years that have segmentation sets), under {@code root}. */
    public static Set read(Path root, String set) throws IOException {
        boolean has2007 = Files.isDirectory(root.resolve("VOC2007"))
                || Files.isDirectory(root.resolve("VOCdevkit").resolve("VOC2007"));
        return read(root, set, has2007 ? "2007" : "2012");
    }

    /** Reads set {@code set} (train, val, trainval, test) of {@code root/VOC<year>} or {@code root/VOCdevkit/...}. */
    public static Set read(Path root, String set, String year) throws IOException {
        Path dir = VocReader.yearDir(root, year);
        Path list = dir.resolve("ImageSets").resolve("Segmentation").resolve(set + ".txt");
        if (!Files.isRegularFile(list)) {
            throw new IOException(list + ": segmentation image set not found (expected VOC devkit layout "
                    + "VOC<year>/ImageSets/Segmentation/<set>.txt)");
        }
        List<String> names = new ArrayList<>();
        names.add("background");
        names.addAll(Datasets.guessVocClasses(root).names());
        List<Item> items = new ArrayList<>();
        for (String line : dev.tdsr.io.TextFiles.readLines(list, "an image set (one image id per line)")) {
            String id = line.strip();
            if (id.isEmpty()) {
                continue;
            }
            Path image = dir.resolve("JPEGImages").resolve(id + ".jpg");
            Path mask = dir.resolve("SegmentationClass").resolve(id + ".png");
            int[] is = Image.headerSize(image);
            if (is == null) {
                throw new DatasetFormatException(LoadSummary.Problem.MISSING_IMAGE, image
                        + ": image of " + list.getFileName() + " entry '" + id + "' missing or unreadable "
                        + "(expected JPEGImages/<id>.jpg)");
            }
            int[] ms = Image.headerSize(mask);
            if (ms == null) {
                throw new DatasetFormatException(LoadSummary.Problem.MISSING_IMAGE, mask
                        + ": segmentation mask missing or unreadable (expected SegmentationClass/<id>.png, an 8-bit "
                        + "palette PNG)");
            }
            if (ms[0] != is[0] || ms[1] != is[1]) {
                throw new DatasetFormatException(LoadSummary.Problem.CORRUPT_IMAGE, mask + ": size " + ms[0] + "x"
                        + ms[1] + " differs from its image's " + is[0] + "x" + is[1] + " (expected the JPEG's size)");
            }
            items.add(new Item(id, image, mask, is[0], is[1]));
        }
        return new Set("voc" + year + "-seg-" + set, names, items);
    }

    /** Decodes an item: the image and its mask, checked (indices in 0..classes-1 or 255, the image's size). */
    public static Loaded load(Item item, int classes) throws IOException {
        Image image = Image.read(item.image());
        SegmentationMask mask = SegmentationMask.read(item.mask(), classes);
        if (mask.width() != image.width() || mask.height() != image.height()) {
            throw new DatasetFormatException(LoadSummary.Problem.CORRUPT_IMAGE, item.mask() + ": size "
                    + mask.width() + "x" + mask.height() + " differs from its image's " + image.width() + "x"
                    + image.height() + " (expected the JPEG's size)");
        }
        return new Loaded(image, mask);
    }
}
