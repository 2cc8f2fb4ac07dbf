package dev.tdsr.data;

import dev.tdsr.data.LoadSummary.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * LR images read from files beside an HR dataset (paired data): {@code <root>/x<scale>/<stem>.png} (or .jpg/.jpeg),
 * where {@code <stem>} is the HR image's file name without its extension (the image id of a VOC set). 8- and 16-bit
 * PNG are read at their stored precision. An LR file must be {@code ceil(W/scale) x ceil(H/scale)} of its HR image,
 * the size our degradation makes; a missing file or another size is an error naming the file.
 *
 * <p>The pipeline's augmentation runs on the scale's grid ({@link #grid()}) and the LR follows it
 * ({@link SsdAugmentation.Result#follow}). Decoded LR images are kept in memory up to {@value #CACHE_MIB} MiB.
 */
public final class LrFiles implements LrSource {
    static final int CACHE_MIB = 256;
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

    private final Path root;
    private final int scale;
    private final Path folder;
    private final Map<String, Image> cache = new ConcurrentHashMap<>();
    private final AtomicLong cacheLeft = new AtomicLong((long) CACHE_MIB << 20);

    /** The LR files of {@code scale} under {@code root} (the folder holding {@code x2/ x4/ x8/}). */
    public LrFiles(Path root, int scale) {
        if (scale < 2) {
            throw new IllegalArgumentException("LR files: scale must be >= 2, got " + scale);
        }
        this.root = root;
        this.scale = scale;
        this.folder = root.resolve("x" + scale);
    }

    /** The folder {@code <root>/x<scale>} must exist: an error naming it and the expected layout otherwise. */
    public LrFiles checked(String option) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(option + " " + root + ": no such folder (expected " + folder
                    + "/<image>.png, the LR images of scale " + scale + ")");
        }
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(option + " " + root + ": no folder x" + scale + " in it (expected "
                    + folder + "/<image>.png, the LR images of scale " + scale + ")");
        }
        return this;
    }

    public Path root() {
        return root;
    }

    public Path folder() {
        return folder;
    }

    @Override
    public int scale() {
        return scale;
    }

    @Override
    public int grid() {
        return scale;
    }

    @Override
    public Image lr(Sample sample, Image hr, UnaryOperator<Image> follow, SplittableRandom rng) {
        return follow.apply(read(sample));
    }

    /** Where the LR file of {@code sample} is written ({@code .png}) or expected (first of .png, .jpg, .jpeg). */
    public Path fileOf(Sample sample) {
        String stem = stem(sample.imagePath());
        for (String ext : EXTENSIONS) {
            Path p = folder.resolve(stem + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return folder.resolve(stem + ".png");
    }

    /** The PNG this source reads for {@code sample} (what {@code generate-dataset --write-lr} writes). */
    public Path pngOf(Sample sample) {
        return folder.resolve(stem(sample.imagePath()) + ".png");
    }

    /** The sample's LR image at its stored precision, checked against the size rule. */
    public Image read(Sample sample) {
        Image cached = cache.get(sample.id());
        if (cached != null) {
            return cached;
        }
        Path file = existing(sample);
        Image im;
        try {
            im = Image.readFullPrecision(file);
        } catch (IOException e) {
            throw new DatasetFormatException(Problem.CORRUPT_IMAGE, e.getMessage(), e);
        }
        checkSize(sample, file, im.width(), im.height());
        long bytes = 4L * im.data().length;
        if (cacheLeft.addAndGet(-bytes) >= 0) {
            cache.put(sample.id(), im);
        }
        return im;
    }

    /**
     * Checks every sample's LR file before any work: a missing file or one of the wrong size is an error naming it; an
     * unreadable header is a {@link Problem#CORRUPT_IMAGE} under the dataset's policy (FAIL_FAST throws, SKIP drops
     * the sample and counts it). Returns the dataset without the dropped samples.
     */
    public Dataset verify(Dataset d) {
        List<Sample> ok = new ArrayList<>();
        for (Sample s : d.samples()) {
            Path file = existing(s);
            int[] size = Image.headerSize(file);
            if (size == null) {
                d.summary().report(Problem.CORRUPT_IMAGE, file + ": not a readable LR image (expected PNG or JPEG)");
            } else {
                checkSize(s, file, size[0], size[1]);
                ok.add(s);
            }
        }
        return new Dataset(d.name(), d.classes(), ok, d.summary());
    }

    /**
     * Writes the LR image that {@code degradation} makes of every sample's HR file as {@code <root>/x<scale>/<stem>.png}
     * (what this source then reads back). The degradation must quantise to 8 bits, so the PNG holds its LR exactly
     * and training on the written pairs equals degrading on the fly, bit for bit, where the HR files are at the
     * detector's input size and augmentation is off. Returns the number of files written.
     */
    public static int write(Dataset d, Path root, Degradation degradation) throws IOException {
        if (!degradation.quantize()) {
            throw new IllegalArgumentException("LR files: the degradation must quantise to 8 bits to be written "
                    + "exactly as 8-bit PNG");
        }
        LrFiles target = new LrFiles(root, degradation.scale());
        Files.createDirectories(target.folder);
        int n = 0;
        for (Sample s : d.samples()) {
            Image hr = Image.read(s.imagePath()); // the decoder the loader uses, so the same HR values
            degradation.apply(hr, new SplittableRandom(n)).write(target.pngOf(s));
            n++;
        }
        return n;
    }

    private Path existing(Sample s) {
        Path file = fileOf(s);
        if (!Files.isRegularFile(file)) {
            throw new DatasetFormatException(Problem.MISSING_IMAGE, file + ": no such LR file for HR image "
                    + s.imagePath() + " (expected " + folder + "/" + stem(s.imagePath()) + ".png, .jpg or .jpeg)");
        }
        return file;
    }

    private void checkSize(Sample s, Path file, int w, int h) {
        int ew = lrLength(s.width());
        int eh = lrLength(s.height());
        if (w != ew || h != eh) {
            throw new DatasetFormatException(Problem.CORRUPT_IMAGE, file + ": LR image is " + w + "x" + h
                    + " but its HR image " + s.imagePath() + " is " + s.width() + "x" + s.height()
                    + ", so the x" + scale + " LR must be " + ew + "x" + eh + " (ceil(HR/" + scale + ") per side)");
        }
    }

    private static String stem(Path image) {
        String name = image.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    @Override
    public String toString() {
        return "LR files " + folder;
    }
}
