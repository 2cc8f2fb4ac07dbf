package dev.tdsr.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Opens a dataset folder by its layout: COCO when it has {@code annotations/}, else the VOC devkit layout. */
public final class Datasets {
    private Datasets() {}

    /**
     * Opens {@code dir}. COCO: split {@code train2017}/{@code val2017}/... (default train2017), classes from the file.
     * VOC: image set {@code trainval}/{@code test}/... (default trainval) of every {@code VOC<year>} folder that has
     * it (so a devkit with VOC2007 and VOC2012 gives the 07+12 union); classes are {@code classes} when given, else
     * the lines of {@code dir/classes.txt} when present (custom datasets; generate-dataset writes one), else the 20
     * VOC classes.
     */
    public static Dataset open(Path dir, String split, ClassList classes, BadInputPolicy policy) throws IOException {
        if (Files.isDirectory(dir.resolve("annotations"))) {
            return new CocoReader(classes, policy).read(dir, split == null ? "train2017" : split);
        }
        String set = split == null ? "trainval" : split;
        List<String> years = new ArrayList<>();
        for (String year : List.of("2007", "2008", "2009", "2010", "2011", "2012")) {
            try {
                if (Files.isRegularFile(VocReader.yearDir(dir, year).resolve("ImageSets/Main/" + set + ".txt"))) {
                    years.add(year);
                }
            } catch (IOException absent) {
                // this year is not in the devkit
            }
        }
        if (years.isEmpty()) {
            throw new IOException(dir + ": neither COCO (annotations/instances_<split>.json) nor VOC "
                    + "(VOC<year>/ImageSets/Main/" + set + ".txt) layout found");
        }
        ClassList cls = classes != null ? classes : guessVocClasses(dir);
        return new VocReader(cls, policy).read(dir, set, years.toArray(String[]::new));
    }

    /** The object classes of a VOC folder: its {@code classes.txt} when present, else the 20 VOC classes. */
    static ClassList guessVocClasses(Path dir) throws IOException {
        Path classesFile = dir.resolve("classes.txt");
        if (Files.isRegularFile(classesFile)) {
            return ClassList.of(Files.readAllLines(classesFile).stream().map(String::strip)
                    .filter(s -> !s.isEmpty()).toList());
        }
        return ClassList.VOC;
    }

    /**
     * Checks every image's header (format and size, not the compressed body) against its annotation and drops the
     * samples whose file is unreadable or of another size, reported as {@link LoadSummary.Problem#CORRUPT_IMAGE} in
     * the dataset's summary (so FAIL_FAST throws). A body corrupted past the header is found by the loader instead.
     */
    public static Dataset verifyImages(Dataset d) {
        List<Sample> ok = new ArrayList<>();
        for (Sample s : d.samples()) {
            String problem = headerProblem(s);
            if (problem == null) {
                ok.add(s);
            } else {
                d.summary().report(LoadSummary.Problem.CORRUPT_IMAGE, s.imagePath() + ": " + problem);
            }
        }
        return new Dataset(d.name(), d.classes(), ok, d.summary());
    }

    private static String headerProblem(Sample s) {
        int[] size = Image.headerSize(s.imagePath());
        if (size == null) {
            return "not a readable image (expected JPEG or PNG)";
        }
        return size[0] == s.width() && size[1] == s.height() ? null
                : "image is " + size[0] + "x" + size[1] + " but its annotation says " + s.width() + "x" + s.height();
    }
}
