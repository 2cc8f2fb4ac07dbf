package dev.tdsr.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.data.Degradation;
import dev.tdsr.data.LoaderConfig;
import dev.tdsr.data.LrFiles;
import dev.tdsr.data.LrSource;
import dev.tdsr.data.SsdAugmentation;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.DiscriminatorConfig;
import dev.tdsr.models.SrResNetConfig;
import dev.tdsr.models.PriorBoxes;
import dev.tdsr.models.SsdConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything a training run needs, as one JSON object (the {@code --config} file, the run's {@code config.json}, the
 * checkpoint's copy). A null field means "the default of the mode"; {@link #resolve()} fills them in, so the saved
 * config is always complete. Defaults are CPU-sized (DBPN base 16/feat 64/T 3, SSD width 1/4); the paper's networks
 * are dbpnBase 64, dbpnFeat 256, dbpnStages 7, dbpnResidual false, ssdWidth 1.
 *
 * <p>Modes: {@code detector} trains SSD on the HR images with lr decay x0.1 at 2/3 and 5/6 of the run
 * (ssd.pytorch's 80k/100k of 120k, scaled); {@code sr} trains S with MSE only; {@code tdsr} trains S with the
 * schedule's alpha*MSE + beta*L_task through the frozen detector (decay x0.1 at 2/3: the paper's 200k of 300k).
 * SR-FT and SR-FT+ are {@code tdsr} with beta = 0 (see {@link Schedule}). {@code study} hands the whole config to the
 * study (dev.tdsr.study). Every mode defaults to Adam, lr 1e-4 (the paper's optimizer): ssd.pytorch's SGD lr 1e-3
 * assumes an ImageNet VGG base, and from our random init it diverged within 4 steps (measured); {@code optimizer
 * sgd} gets weight decay 5e-4 by default. {@code srgan} trains an SRResNet generator (srganChannels 16, srganBlocks
 * 4 by default; the paper's 64/16): stages with beta 0 with MSE (SRResNet), stages with beta > 0 as SRGAN with alpha *
 * the VGG content loss on the frozen detector's VGG16 features + beta * the adversarial loss (the paper's 1e-3) against
 * a discriminator (discChannels 16, discDense 128, discCrop 96; the paper's 64/1024/96), decay x0.1 at 2/3.
 *
 * <p>The task network of {@code tdsr} ({@code detector}, CLI {@code --detector} or {@code --task-network}) is any
 * {@link dev.tdsr.models.TaskNetwork} model folder the trainer reads targets for: SSD (boxes) or the segmentation FCN
 * (masks of the data's VOC {@code SegmentationClass}; {@code hrSize} is then the HR side of the batches, default
 * {@code ssdInput}, and only
 * the photometric part of augmentation is applied). SR4IR's options: {@code perceptualWeight}/{@code perceptualTaps}
 * (the task-driven perceptual loss), {@code patchMixGrid} (cross-quality patch mix) and {@code alternate} (after
 * each task-driven update of S one update of T, at {@code taskLr}, default {@code lr}, following S's lr schedule).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainConfig(
        String mode, String data, String layout, String split, Long steps, String schedule, Integer batch, Double lr,
        List<Long> lrDecayAt, Double lrGamma, Integer lrWarmup, String optimizer, Double momentum, Double beta2, Double eps,
        Double weightDecay, Integer scale, String degradation, Double noiseSigma, String lrDir, String evalLrDir, Boolean augment, Boolean shuffle,
        Long seed, Integer ssdInput, Double ssdWidth, Integer dbpnBase, Integer dbpnFeat, Integer dbpnStages,
        Boolean dbpnResidual, Integer srganChannels, Integer srganBlocks, Boolean srganResidual, Integer discChannels,
        Integer discDense,
        Integer discCrop, Double perceptualWeight, String perceptualTaps, Integer patchMixGrid, Boolean alternate, Double taskLr, Integer hrSize, String srInit, String detector, String contentNetwork, String out, Integer checkpointEvery, Integer keepCheckpoints, Integer logEvery,
        Integer evalEvery, String evalData, String evalSplit, Integer evalImages, Integer workers, String device,
        Boolean cudaGraph) {

    /**
     * The task network's feature taps of SR4IR's perceptual loss: for SSD the two shallowest detection sources, as
     * SR4IR takes the first two feature levels of its detector's backbone (weights 0.5/0.5).
     */
    public static final String DEFAULT_PERCEPTUAL_TAPS = "conv4_3,fc7";

    /** Periodic checkpoints kept besides stage ends and the latest (issue 17: 45 x 120 MB piled up otherwise). */
    public static final int DEFAULT_KEEP_CHECKPOINTS = 3;

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** The training modes. */
    public enum Mode {
        DETECTOR, SR, TDSR, SRGAN, STUDY;

        public static Mode parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("mode: expected detector, sr, tdsr, srgan or study, got '" + s + "'");
            }
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** All fields null: every value comes from the mode's defaults. */
    public static TrainConfig empty() {
        return fromJson(JSON.createObjectNode(), "defaults");
    }

    /** Reads a JSON config file; an unknown key or a wrong type is an error naming the file and the key. */
    public static TrainConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("--config " + file + ": no such file");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object {\"key\": value, ...}");
        }
        return fromJson((ObjectNode) tree, file.toString());
    }

    /** The config from a JSON object; {@code source} names it in errors. */
    public static TrainConfig fromJson(ObjectNode tree, String source) {
        try {
            return JSON.treeToValue(tree, TrainConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(source + ": unknown key '" + e.getPropertyName() + "'; known keys: "
                    + String.join(", ", knownKeys()));
        } catch (MismatchedInputException e) {
            String key = e.getPath().isEmpty() ? "?" : e.getPath().get(0).getFieldName();
            throw new IllegalArgumentException(source + ": key '" + key + "' has the wrong type ("
                    + e.getOriginalMessage().split("\n")[0] + ")");
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": " + e.getOriginalMessage());
        }
    }

    static List<String> knownKeys() {
        List<String> keys = new ArrayList<>();
        for (var c : TrainConfig.class.getRecordComponents()) {
            keys.add(c.getName());
        }
        return keys;
    }

    /** This config with every non-null field of {@code overrides} replacing its own (CLI options over a file). */
    public TrainConfig with(TrainConfig overrides) {
        ObjectNode base = JSON.valueToTree(this);
        ObjectNode over = JSON.valueToTree(overrides);
        base.setAll(over);
        return fromJson(base, "overrides");
    }

    public ObjectNode toJson() {
        return JSON.valueToTree(this);
    }

    public Mode modeValue() {
        return Mode.parse(mode == null ? "study" : mode);
    }

    /** Every default filled in for the mode, then checked; what config.json records. */
    public TrainConfig resolve() {
        Mode m = modeValue();
        if (steps != null && steps < 1) {
            throw new IllegalArgumentException("steps (--steps): expected at least 1 iteration, got " + steps);
        }
        int sc = or(scale, 4);
        if (sc != 2 && sc != 4 && sc != 8) {
            throw new IllegalArgumentException("scale: expected 2, 4 or 8, got " + sc);
        }
        String sched = schedule;
        if (sched == null) {
            sched = switch (m) {
                case DETECTOR -> Schedule.of(or(steps, 1200L), 0, 1).toString();
                case SR -> Schedule.of(or(steps, 1000L), 1, 0).toString();
                case SRGAN -> "1k:1:0+2k:1:0.001"; // SRResNet (MSE), then VGG content + 1e-3 adversarial
                default -> "1k:1:0+2k:1:0.01"; // the paper's 100k:1:0+200k:1:0.01 / 100
            };
        }
        Schedule parsed = Schedule.parse(sched);
        long total = parsed.totalIterations();
        String opt = or(optimizer, "adam");
        List<Long> decay = lrDecayAt;
        if (decay == null) {
            decay = switch (m) {
                case DETECTOR -> fractionsOf(total, 2.0 / 3, 5.0 / 6);
                case SR -> List.of();
                default -> fractionsOf(total, 2.0 / 3);
            };
        }
        TrainConfig r = new TrainConfig(m.toString(), data, or(layout, "auto"), split, or(steps, total), sched,
                or(batch, 6), or(lr, 1e-4), decay, or(lrGamma, 0.1), or(lrWarmup, 0), opt, or(momentum, 0.9), or(beta2, 0.999),
                or(eps, 1e-8), or(weightDecay, opt.equalsIgnoreCase("sgd") ? 5e-4 : 0.0), sc,
                or(degradation, "bicubic"), or(noiseSigma, 10.0), lrDir, or(evalLrDir, evalData == null ? lrDir : null),
                or(augment, true), or(shuffle, true), or(seed, 1L),
                or(ssdInput, 300), or(ssdWidth, 0.25), or(dbpnBase, 16), or(dbpnFeat, 64), or(dbpnStages, 3),
                or(dbpnResidual, false), or(srganChannels, 16), or(srganBlocks, 4), or(srganResidual, false),
                or(discChannels, 16),
                or(discDense, 128), or(discCrop, 96), or(perceptualWeight, 0.0),
                or(perceptualTaps, DEFAULT_PERCEPTUAL_TAPS), or(patchMixGrid, 0), or(alternate, false),
                or(taskLr, or(lr, 1e-4)), hrSize, srInit,
                detector, contentNetwork, or(out, "runs/" + m), or(checkpointEvery, 500), or(keepCheckpoints, DEFAULT_KEEP_CHECKPOINTS),
                or(logEvery, 10), or(evalEvery, 0),
                evalData, evalSplit, or(evalImages, 100), or(workers, 2), or(device, "auto"), or(cudaGraph, false));
        r.check();
        return r;
    }

    private void check() {
        if (keepCheckpoints < 0) {
            throw new IllegalArgumentException("keepCheckpoints: expected >= 0 (0 = keep every checkpoint), got "
                    + keepCheckpoints);
        }
        if (steps < 1 || batch < 1 || checkpointEvery < 1 || logEvery < 1 || evalEvery < 0 || workers < 0
                || evalImages < 1) {
            throw new IllegalArgumentException("steps, batch, checkpointEvery, logEvery, evalImages must be >= 1 and "
                    + "evalEvery, workers >= 0; got steps " + steps + ", batch " + batch + ", checkpointEvery "
                    + checkpointEvery + ", logEvery " + logEvery + ", evalImages " + evalImages + ", evalEvery "
                    + evalEvery + ", workers " + workers);
        }
        lrSchedule();
        optimizerSettings();
        degradationValue();
        if (modeValue() != Mode.DETECTOR) {
            lrSourceValue();
            evalLrSourceValue();
        } else if (lrDir != null && !Files.isDirectory(Path.of(lrDir))) { // D trains on HR: any scale's LR will do
            throw new IllegalArgumentException("lrDir (--lr-dir) " + lrDir + ": no such folder");
        }
        dbpnConfig();
        ssdConfig(2, false);
        if (!List.of("auto", "voc", "coco").contains(layout)) {
            throw new IllegalArgumentException("layout: expected auto, voc or coco, got '" + layout + "'");
        }
        Mode m = modeValue();
        if (m == Mode.TDSR && detector == null) {
            throw new IllegalArgumentException("mode tdsr needs a frozen detector: --detector DIR (a model folder; "
                    + "train one with --mode detector)");
        }
        sr4ir();
        if (cudaGraph && m != Mode.TDSR && m != Mode.SR) {
            throw new IllegalArgumentException("cudaGraph (--cuda-graph) captures the D-DBPN step of --mode sr and "
                    + "tdsr; mode " + m + " runs eagerly (leave the flag off)");
        }
        if (cudaGraph && (perceptualWeight != 0 || patchMixGrid != 0 || alternate)) {
            throw new IllegalArgumentException("cudaGraph (--cuda-graph) does not capture SR4IR's objectives "
                    + "(perceptualWeight, patchMixGrid, alternate: the patch mix is drawn and T updated from the host "
                    + "every step); leave the flag off for them");
        }
        if (m != Mode.TDSR && m != Mode.STUDY && (perceptualWeight != 0 || patchMixGrid != 0 || alternate)) {
            throw new IllegalArgumentException("perceptualWeight / patchMixGrid / alternate (SR4IR's objectives) train "
                    + "S through the task network: --mode tdsr, not " + m);
        }
        if (hrSize != null && hrSize < 8) {
            throw new IllegalArgumentException("hrSize (--hr-size): expected the HR side in pixels (>= 8), got " + hrSize);
        }
        if (!(taskLr > 0) || Double.isInfinite(taskLr)) {
            throw new IllegalArgumentException("taskLr (--task-lr): expected a finite learning rate > 0, got " + taskLr);
        }
        srResNetConfig();
        if (m == Mode.SRGAN) {
            discriminatorConfig();
            if (discCrop > ssdInput) {
                throw new IllegalArgumentException("discCrop: the discriminator's crops (" + discCrop + ") must fit in "
                        + "the HR images (ssdInput " + ssdInput + ")");
            }
            if (detector == null && contentNetwork == null
                    && scheduleValue().stages().stream().anyMatch(s -> s.beta() != 0)) {
                throw new IllegalArgumentException("mode srgan: schedule " + schedule + " has an adversarial stage "
                        + "(beta > 0), whose content loss reads a perceptual network: --content-network DIR (a VGG19 from "
                        + "import-weights --model vgg19) or the frozen detector's VGG16 features: --detector DIR");
            }
        } else if (contentNetwork != null) {
            throw new IllegalArgumentException("contentNetwork (--content-network): only mode srgan has a content loss, not "
                    + "mode " + mode);
        }
        if (m == Mode.SR && scheduleValue().stages().stream().anyMatch(s -> s.beta() != 0)) {
            throw new IllegalArgumentException("schedule " + schedule + " has beta > 0, which needs the detector: "
                    + "use --mode tdsr --detector DIR");
        }
        if (m != Mode.STUDY && data == null) {
            throw new IllegalArgumentException("mode " + m + " needs --data DIR (a VOC or COCO layout folder)");
        }
    }

    public Schedule scheduleValue() {
        return Schedule.parse(schedule);
    }

    public LrSchedule lrSchedule() {
        return new LrSchedule(lr, lrDecayAt, lrGamma, lrWarmup);
    }

    public Optimizer.Settings optimizerSettings() {
        return new Optimizer.Settings(Optimizer.Kind.parse(optimizer), momentum, beta2, eps, weightDecay);
    }

    public Degradation degradationValue() {
        return switch (degradation.toLowerCase(Locale.ROOT)) {
            case "bicubic" -> Degradation.bicubic(scale);
            case "blur" -> Degradation.blurred(scale);
            case "noise" -> Degradation.noisy(scale, noiseSigma);
            default -> throw new IllegalArgumentException("degradation: expected bicubic, blur or noise, got '"
                    + degradation + "'");
        };
    }

    /** Where the training LR comes from: the files under {@code lrDir}, else the degradation of the HR. */
    public LrSource lrSourceValue() {
        return lrDir == null ? degradationValue() : new LrFiles(Path.of(lrDir), scale).checked("lrDir (--lr-dir)");
    }

    /**
     * Where the periodic evaluation's LR comes from: the files under {@code evalLrDir} (by default {@code lrDir} when
     * the evaluation reads the training data, none for another {@code evalData}), else the degradation.
     */
    public LrSource evalLrSourceValue() {
        return evalLrDir == null ? degradationValue()
                : new LrFiles(Path.of(evalLrDir), scale).checked("evalLrDir (--eval-lr-dir)");
    }

    public DbpnConfig dbpnConfig() {
        return new DbpnConfig(scale, dbpnBase, dbpnFeat, dbpnStages, dbpnResidual);
    }

    /**
     * SR4IR's objectives for S in the task-driven stages (perceptualWeight, perceptualTaps comma-separated,
     * patchMixGrid; the patch mix is drawn from the run's seed).
     */
    public dev.tdsr.models.TdsrObjective.Sr4ir sr4ir() {
        List<String> taps = new ArrayList<>();
        for (String t : perceptualTaps.split(",")) {
            if (!t.isBlank()) {
                taps.add(t.trim());
            }
        }
        try {
            return new dev.tdsr.models.TdsrObjective.Sr4ir(perceptualWeight, taps, patchMixGrid, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("perceptualWeight/perceptualTaps/patchMixGrid (--perceptual-weight, "
                    + "--perceptual-taps, --patch-mix): " + e.getMessage());
        }
    }

    /** The SRGAN generator's sizes (mode srgan). */
    public SrResNetConfig srResNetConfig() {
        return new SrResNetConfig(scale, srganChannels, srganBlocks, srganResidual);
    }

    /** The SRGAN discriminator's sizes (mode srgan). */
    public DiscriminatorConfig discriminatorConfig() {
        return new DiscriminatorConfig(discChannels, discDense, discCrop);
    }

    /** The detector for {@code numClasses} classes including background, with COCO or VOC prior sizes. */
    public SsdConfig ssdConfig(int numClasses, boolean coco) {
        return new SsdConfig(ssdInput, ssdWidth, numClasses, coco ? PriorBoxes.Sizes.COCO : PriorBoxes.Sizes.VOC,
                false);
    }

    /**
     * Training batches: endless, drop-last, difficult objects dropped, one generator per (seed, epoch, image). The
     * detector trains on HR only, so its batches never depend on LR files (nor their grid).
     */
    public LoaderConfig loaderConfig() {
        SsdAugmentation aug = augment ? SsdAugmentation.ssd() : SsdAugmentation.none();
        LrSource lrSource = modeValue() == Mode.DETECTOR ? degradationValue() : lrSourceValue();
        return new LoaderConfig(hrSide(), batch, workers, shuffle, aug, lrSource, seed, 0, true, false,
                LoaderConfig.DEFAULT_CACHE_BYTES, 4);
    }

    /** The HR side of the batches: {@code hrSize} (a segmentation run's), else the detector's input {@code ssdInput}. */
    public int hrSide() {
        return hrSize != null ? hrSize : ssdInput;
    }

    /** Milestones at fractions of a run (rounded, at least 1, duplicates of a short run dropped). */
    private static List<Long> fractionsOf(long total, double... fractions) {
        return java.util.Arrays.stream(fractions).mapToLong(f -> Math.max(1, Math.round(total * f))).distinct()
                .boxed().toList();
    }

    private static <T> T or(T v, T dflt) {
        return v != null ? v : dflt;
    }
}
