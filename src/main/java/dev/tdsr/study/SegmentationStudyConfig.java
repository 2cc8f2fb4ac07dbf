package dev.tdsr.study;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tdsr.data.SyntheticDataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the segmentation study runs ({@code train --study segmentation}, {@code configs/segmentation.json}): synthetic
 * images with class masks, a small FCN trained on HR, a small D-DBPN pretrained with MSE (SR), then fine-tuned for the
 * same number of steps with MSE alone (SR-FT) and with {@code alpha * MSE + beta * pixel CE} through the frozen FCN
 * (TDSR), and optionally with SR4IR's objectives beside TDSR's ({@code sr4ir}). Snake_case keys, every key required
 * (write null for no SR4IR row), read with {@link ConfigLoader}'s checks.
 *
 * @param name        shown in the report
 * @param description one line on what the config is for
 * @param seed        seed of every random choice
 * @param scale       SR factor (2, 4 or 8)
 */
public record SegmentationStudyConfig(String name, String description, long seed, int scale, Dataset dataset,
                                      Segmenter segmenter, SuperResolution sr, FineTune finetune, Sr4ir sr4ir) {
    /** Name of the shipped config; also how {@code train --study} recognises this kind of study. */
    public static final String BUILTIN = "segmentation";

    /**
     * @param images     images to generate (1 in 5 is a test image)
     * @param size       side of the images (a multiple of 4 and of the scale)
     * @param classes    object classes (segmentation classes: one more, the background)
     * @param maxTestImages evaluate on at most this many test images; 0 = all
     */
    public record Dataset(int images, int size, int classes, int maxTestImages) {
        public Dataset {
            if (images < 5 || classes < 1 || classes > SyntheticDataset.MAX_CLASSES || size < 32 || size % 4 != 0
                    || maxTestImages < 0) {
                throw new IllegalArgumentException("dataset.images/size/classes/max_test_images: expected >= 5, a "
                        + "multiple of 4 >= 32, 1.." + SyntheticDataset.MAX_CLASSES + " and >= 0, got " + images + ", "
                        + size + ", " + classes + ", " + maxTestImages);
            }
        }
    }

    /** The FCN (task network): its width and how it is trained on HR (Adam, mirror flips). */
    public record Segmenter(int width, int iterations, double lr, int batch) {
        public Segmenter {
            requirePositive("segmenter", width, iterations, batch, lr);
        }
    }

    /** D-DBPN's sizes and its MSE pretraining (the SR row). */
    public record SuperResolution(int base, int feat, int stages, boolean residual, int pretrainIterations,
                                  double pretrainLr, int batch) {
        public SuperResolution {
            requirePositive("sr", base, feat, stages, pretrainIterations, batch, pretrainLr);
        }
    }

    /** SR-FT and TDSR: the same steps from the SR row; TDSR adds {@code beta *} pixel CE to {@code alpha *} MSE. */
    public record FineTune(int iterations, double lr, int batch, double alpha, double beta) {
        public FineTune {
            requirePositive("finetune", iterations, batch, 1, lr);
            if (alpha < 0 || beta <= 0) {
                throw new IllegalArgumentException("finetune.alpha/beta: expected alpha >= 0 and beta > 0, got "
                        + alpha + ", " + beta);
            }
        }
    }

    /**
     * The optional SR4IR row (null: none): TDSR's objective on the same steps and batches, its task loss taken on
     * cross-quality patch mixes of S(lr) and hr on a {@code patchMixGrid} grid, plus {@code perceptualWeight} times
     * the task-driven perceptual loss on the frozen FCN's {@code perceptualTaps} (see {@code TdsrObjective.Sr4ir}).
     */
    public record Sr4ir(double perceptualWeight, List<String> perceptualTaps, int patchMixGrid) {}

    public SegmentationStudyConfig {
        if (scale != 2 && scale != 4 && scale != 8) {
            throw new IllegalArgumentException("scale: expected 2, 4 or 8, got " + scale);
        }
        if (dataset != null && dataset.size() % scale != 0) {
            throw new IllegalArgumentException("dataset.size: expected a multiple of the scale " + scale + ", got "
                    + dataset.size());
        }
    }

    private static void requirePositive(String block, int a, int b, int c, double lr) {
        if (a < 1 || b < 1 || c < 1 || !(lr > 0)) {
            throw new IllegalArgumentException(block + ": sizes, iterations and batch must be >= 1 and lr > 0");
        }
    }

    private static void requirePositive(String block, int a, int b, int c, int d, int e, double lr) {
        requirePositive(block, a, b, c, lr);
        requirePositive(block, d, e, 1, lr);
    }

    /** Whether {@code train --study NAME} names a segmentation study: the shipped one or a file declaring itself. */
    public static boolean names(String nameOrFile) throws IOException {
        if (BUILTIN.equals(nameOrFile)) {
            return true;
        }
        Path p = Path.of(nameOrFile);
        if (!nameOrFile.endsWith(".json") || !Files.isRegularFile(p)) {
            return false;
        }
        JsonNode tree;
        try {
            tree = ConfigLoader.JSON.readTree(p.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
            return false; // the study config loader reports it, naming the file and where
        }
        return tree != null && tree.isObject() && tree.has("segmenter");
    }

    /** The shipped config or a file, with {@code key.path=value} overrides. */
    public static SegmentationStudyConfig resolve(String nameOrFile, List<String> overrides) throws IOException {
        JsonNode tree;
        String source;
        if (BUILTIN.equals(nameOrFile)) {
            source = "configs/" + BUILTIN + ".json";
            try (InputStream in = SegmentationStudyConfig.class.getResourceAsStream("/" + source)) {
                if (in == null) {
                    throw new IOException(source + ": missing from the classpath");
                }
                tree = ConfigLoader.JSON.readTree(in);
            }
        } else {
            source = nameOrFile;
            tree = ConfigLoader.JSON.readTree(Path.of(nameOrFile).toFile());
        }
        return ConfigLoader.parseAs(ConfigLoader.override(tree, overrides, source), SegmentationStudyConfig.class,
                source);
    }
}
