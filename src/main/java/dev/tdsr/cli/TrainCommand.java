package dev.tdsr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.engine.Backends;
import dev.tdsr.report.Charts;
import dev.tdsr.study.StudyRunner;
import dev.tdsr.train.DivergenceException;
import dev.tdsr.train.TrainConfig;
import dev.tdsr.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train}: one training run (detector, sr, tdsr, srgan) with checkpoints, metrics.jsonl and resume; with no --mode the
 * whole study ({@link StudyRunner}). Options override the --config file, which overrides the mode's defaults.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the detector (on HR), S with MSE (sr) or S through the frozen detector (tdsr).",
            "Without --mode: the whole study (by default on the built-in synthetic set).",
            "Writes config.json, metrics.jsonl, checkpoints/ and final/ into --out; Ctrl-C checkpoints and exits."})
public final class TrainCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--mode", description = "study|detector|sr|tdsr|srgan (default: study)")
    String mode;

    @Option(names = "--study", defaultValue = "default", description = "study mode: a shipped study (default, quick, "
            + "voc0712, coco; sr4ir: SR4IR's rows beside TDSR at 4x; segmentation: task-driven SR for an FCN) or a study "
            + "config file (default: ${DEFAULT-VALUE})")
    String study;

    @Option(names = "--quick", description = "study mode: the smoke-run study (same as --study quick)")
    boolean quick;

    @Option(names = "--scale-workers", description = "study mode: scales trained at the same time (default: on the CPU "
            + "processors / --threads, at most the scale count; 1 on a GPU); results do not depend on it")
    Integer scaleWorkers;

    @Option(names = "--set", description = "study mode: override a study config value, key.path=value (repeatable)")
    List<String> studyOverrides = new ArrayList<>();

    @Option(names = "--data", description = "dataset folder, VOC or COCO layout")
    Path data;

    @Option(names = "--layout", description = "auto|voc|coco (default: auto, detected)")
    String layout;

    @Option(names = "--split", description = "image set / split (default: trainval or train2017)")
    String split;

    @Option(names = "--steps", description = "iterations to run (default: the schedule's total)")
    Long steps;

    @Option(names = "--schedule", description = "stages n:alpha:beta+... e.g. 100k:1:0+200k:1:0.01 (k = 1000)")
    String schedule;

    @Option(names = "--batch", description = "images per batch (default: 6)")
    Integer batch;

    @Option(names = "--lr", description = "base learning rate (default: 1e-4)")
    Double lr;

    @Option(names = "--lr-decay-at", split = ",", description = "iterations where lr is multiplied by 0.1 "
            + "(default: 2/3 of the schedule; detector 2/3 and 5/6; sr none)")
    List<Long> lrDecayAt;

    @Option(names = "--lr-warmup", description = "iterations of linear lr warm-up from the start (default: 0)")
    Integer lrWarmup;

    @Option(names = "--optimizer", description = "adam|sgd (default: adam; sgd gets weight decay 5e-4)")
    String optimizer;

    @Option(names = "--size", description = "network sizes of a single run: small (the default study's: D-DBPN base 8, "
            + "feat 32, T 2 with the bicubic residual; SSD width 1/8) or full (the paper's: base 64, feat 256, T 7, no "
            + "residual; SSD300 width 1; SRGAN 64 channels, 16 blocks, discriminator 64/1024 on 96x96). Without it: "
            + "base 16, feat 64, T 3, no residual, width 1/4. The config keys dbpnBase, dbpnFeat, dbpnStages, "
            + "dbpnResidual, ssdWidth, ssdInput, srganChannels, srganBlocks, srganResidual, discChannels, discDense, discCrop "
            + "(--config FILE) set each one; a loaded --sr-init/--detector keeps its own")
    String size;

    @Option(names = "--scale", description = "2|4|8 (default: 4)")
    Integer scale;

    @Option(names = "--degradation", description = "bicubic|blur|noise (default: bicubic)")
    String degradation;

    @Option(names = "--lr-dir", description = "paired data: the folder holding x2/ x4/ x8/ with one LR image per HR "
            + "image (<HR file stem>.png|.jpg, 8- or 16-bit, ceil(HR/scale) per side), used instead of degrading the "
            + "HR, e.g. DIR/LR as generate-dataset --write-lr writes it (default: none, LR made by --degradation)")
    Path lrDir;

    @Option(names = "--eval-lr-dir", description = "LR folder (as --lr-dir) for the evaluation images (default: "
            + "--lr-dir when evaluating on --data, none for --eval-data)")
    Path evalLrDir;

    @Option(names = "--no-augment", description = "resize only, no SSD augmentation")
    boolean noAugment;

    @Option(names = "--no-shuffle", description = "file order every epoch")
    boolean noShuffle;

    @Option(names = "--seed", description = "seed of initialisation, data order and augmentation (default: 1)")
    Long seed;

    @Option(names = "--sr-init", description = "S's start weights (model folder, .safetensors or DBPN_x*.pth)")
    Path srInit;

    @Option(names = {"--detector", "--task-network"}, description = "the task network T: detector weights (model "
            + "folder, .safetensors or ssd.pytorch .pth), frozen in tdsr, the start point in detector mode; in tdsr "
            + "also a segmentation FCN's model folder (its model.json names the kind; --data then needs VOC's "
            + "SegmentationClass masks)")
    Path detector;

    @Option(names = "--hr-size", description = "tdsr through a segmentation network: the HR side of the training "
            + "and evaluation images (default: ssdInput, 300; key hrSize)")
    Integer hrSize;

    @Option(names = "--alternate", description = "mode tdsr, SR4IR's alternating training: after each task-driven "
            + "update of S, one update of T on its task loss of hr, of S(lr) detached and (with --patch-mix) of the "
            + "mixed images; T is saved beside S in final/task-network (key alternate)")
    Boolean alternate;

    @Option(names = "--task-lr", description = "with --alternate: T's learning rate (following S's warm-up and decay; "
            + "default: --lr; key taskLr)")
    Double taskLr;

    @Option(names = "--perceptual-weight", description = "mode tdsr, SR4IR's task-driven perceptual loss: its weight "
            + "in the task-driven stages (beta > 0), on the mean smooth-L1 distance between the frozen task network's "
            + "features of S(lr) and of hr (default: 0 = off; key perceptualWeight)")
    Double perceptualWeight;

    @Option(names = "--perceptual-taps", description = "the task network's feature taps of the perceptual loss, "
            + "comma-separated, averaged (default: conv4_3,fc7; SSD has conv1_2, conv2_2, conv3_3, conv4_3, conv5_3, "
            + "fc7; key perceptualTaps)")
    String perceptualTaps;

    @Option(names = "--patch-mix", description = "mode tdsr, SR4IR's cross-quality patch mix: the task loss of the "
            + "task-driven stages sees images whose patches on a GRID x GRID grid come from S(lr) or hr (1/2 each, "
            + "from the seed and step) (default: 0 = off; key patchMixGrid)", paramLabel = "GRID")
    Integer patchMixGrid;

    @Option(names = "--content-network", description = "srgan mode: the VGG19 of the content loss (a folder from "
            + "import-weights --model vgg19, or torchvision's vgg19-*.pth), as the SRGAN paper; default: the frozen "
            + "--detector's VGG16 base")
    Path contentNetwork;

    @Option(names = "--out", description = "run folder (default: runs/<mode>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its latest checkpoint")
    boolean resume;

    @Option(names = "--config", description = "JSON config file (keys as in config.json)")
    Path config;

    @Option(names = "--checkpoint-every", description = "steps between checkpoints (default: 500)")
    Integer checkpointEvery;

    @Option(names = "--keep-checkpoints", description = "periodic checkpoints kept besides stage ends and the latest "
            + "(default: 3; 0 = all)")
    Integer keepCheckpoints;

    @Option(names = "--log-every", description = "steps between log lines when not on a terminal (default: 10)")
    Integer logEvery;

    @Option(names = "--eval-every", description = "steps between evaluations on the test split (PSNR, mAP) and after "
            + "the last step; 0 = none (default: 0)")
    Integer evalEvery;

    @Option(names = "--eval-data", description = "dataset folder to evaluate on (default: --data)")
    Path evalData;

    @Option(names = "--eval-split", description = "split of --data to evaluate on (default: test, or val2017 for COCO)")
    String evalSplit;

    @Option(names = "--eval-images", description = "first N images of the evaluation split (default: 100)")
    Integer evalImages;

    @Option(names = "--workers", description = "data loader threads (default: 2)")
    Integer workers;

    @Option(names = "--cuda-graph", description = "capture the training step as a CUDA graph after one eager step and "
            + "replay it (--mode sr|tdsr on --device cuda; config key cudaGraph)")
    boolean cudaGraph;

    @Mixin
    DeviceOptions device;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        for (Path p : new Path[] {data, srInit, detector}) {
            if (p != null && !Files.exists(p)) {
                throw new IOException((p == data ? "--data " : p == srInit ? "--sr-init " : "--detector ") + p
                        + ": no such file or folder");
            }
        }
        TrainConfig base = config != null ? TrainConfig.load(config) : TrainConfig.empty();
        TrainConfig given = overrides();
        if (resume) {
            ObjectNode other = given.toJson().without(List.of("out", "steps", "device"));
            if (!other.isEmpty()) {
                throw new IllegalArgumentException("--resume continues with the run's own config (checkpoint's "
                        + "state.json); only --out, --steps and --device apply, got also: "
                        + String.join(", ", (Iterable<String>) other::fieldNames));
            }
        }
        TrainConfig cfg = base.with(given);
        if (!resume && cfg.modeValue() == TrainConfig.Mode.STUDY && size != null) {
            throw new IllegalArgumentException("--size applies to single runs (--mode detector|sr|tdsr|srgan); the "
                    + "study's networks are in its config (--set sr.base=8 --set detector.width=0.125 ...)");
        }
        refuseIgnoredOptions(!resume && cfg.modeValue() == TrainConfig.Mode.STUDY, cfg.modeValue());
        PrintWriter pw = spec.commandLine().getOut();
        Backends.Choice choice = device.choose();
        if (Boolean.TRUE.equals(cfg.cudaGraph()) && !(choice.backend() instanceof dev.tdsr.engine.CudaBackend)) {
            throw new IllegalArgumentException("--cuda-graph captures the step on a GPU, but the device is "
                    + choice.reason() + ": use --device cuda, or drop the flag");
        }
        pw.println("device: " + choice.reason());
        if (!resume && cfg.modeValue() == TrainConfig.Mode.STUDY) {
            Path out = cfg.out() == null ? null : Path.of(cfg.out());
            return StudyRunner.run(new StudyRunner.Request(quick ? "quick" : study, studyOverrides, out,
                    scaleWorkers), choice.backend(), pw);
        }
        Trainer.Options opts = new Trainer.Options(pw, System.console() != null, null, true);
        try (Trainer t = resume ? Trainer.resume(Path.of(cfg.out() == null ? "runs/" + cfg.modeValue() : cfg.out()),
                steps, choice.backend(), opts) : Trainer.start(cfg, choice.backend(), opts)) {
            pw.println("training " + t.config().modeValue() + " for " + t.config().steps() + " steps, schedule "
                    + t.config().schedule() + ", run folder " + t.runDir().toAbsolutePath());
            pw.flush();
            Trainer.Result r = t.run();
            List<Path> charts = Charts.writeRunCharts(r.runDir());
            if (!r.stopped()) { // a stop already said where its checkpoint is
                pw.println("done: " + r.step() + " steps, last loss " + (r.last() == null ? "-"
                        : String.format(java.util.Locale.ROOT, "%.4g", r.last().loss()))
                        + ", model in " + r.finalModel());
            }
            pw.println("curves: " + charts.stream().map(Path::toString).collect(Collectors.joining(", ")));
            pw.flush();
            return 0;
        } catch (DivergenceException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 3;
        }
    }

    /** Options only the study reads. */
    private static final List<String> STUDY_ONLY = List.of("--study", "--quick", "--scale-workers", "--set");
    /** Options every mode reads. */
    private static final List<String> EVERY_MODE = List.of("--mode", "--out", "--device", "--threads", "--no-tf32",
            Logging.VERBOSE);

    /** An option the chosen mode would ignore is an error, before any work. */
    private void refuseIgnoredOptions(boolean studyMode, TrainConfig.Mode runMode) {
        List<String> ignored = new ArrayList<>();
        for (CommandLine.Model.OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            String name = o.longestName();
            if (EVERY_MODE.contains(name)) {
                continue;
            }
            if (studyMode != STUDY_ONLY.contains(name) && !ignored.contains(name)) {
                ignored.add(name);
            }
        }
        if (ignored.isEmpty()) {
            return;
        }
        if (studyMode) {
            throw new IllegalArgumentException(String.join(", ", ignored) + ": not used by the study (no --mode); "
                    + "change a study value with --set key.path=value, or give --mode detector|sr|tdsr for one run");
        }
        throw new IllegalArgumentException(String.join(", ", ignored) + ": study options, not used by "
                + (resume ? "--resume" : "--mode " + runMode) + "; drop them, or run the study without --mode");
    }

    /** The options given on the command line, as a config whose other fields are null. */
    private TrainConfig overrides() {
        ObjectNode n = JSON.createObjectNode();
        putIf(n, "mode", mode);
        putIf(n, "data", data);
        putIf(n, "layout", layout);
        putIf(n, "split", split);
        putIf(n, "steps", steps);
        putIf(n, "schedule", schedule);
        putIf(n, "batch", batch);
        putIf(n, "lr", lr);
        putIf(n, "lrWarmup", lrWarmup);
        putIf(n, "optimizer", optimizer);
        putIf(n, "scale", scale);
        putIf(n, "degradation", degradation);
        if (lrDir != null && degradation != null) {
            throw new IllegalArgumentException("--degradation " + degradation + " with --lr-dir " + lrDir
                    + ": the LR images come from the files; drop one of them");
        }
        putIf(n, "lrDir", lrDir);
        putIf(n, "evalLrDir", evalLrDir);
        putIf(n, "seed", seed);
        putIf(n, "perceptualWeight", perceptualWeight);
        putIf(n, "perceptualTaps", perceptualTaps);
        putIf(n, "patchMixGrid", patchMixGrid);
        putIf(n, "alternate", alternate);
        putIf(n, "hrSize", hrSize);
        putIf(n, "taskLr", taskLr);
        putIf(n, "srInit", srInit);
        putIf(n, "detector", detector);
        putIf(n, "contentNetwork", contentNetwork);
        putIf(n, "out", out);
        putIf(n, "checkpointEvery", checkpointEvery);
        putIf(n, "keepCheckpoints", keepCheckpoints);
        putIf(n, "logEvery", logEvery);
        putIf(n, "evalEvery", evalEvery);
        putIf(n, "evalData", evalData);
        putIf(n, "evalSplit", evalSplit);
        putIf(n, "evalImages", evalImages);
        putIf(n, "workers", workers);
        putIf(n, "device", device.device);
        if (size != null) {
            sizePreset(n, size);
        }
        if (noAugment) {
            n.put("augment", false);
        }
        if (cudaGraph) {
            n.put("cudaGraph", true);
        }
        if (noShuffle) {
            n.put("shuffle", false);
        }
        if (lrDecayAt != null) {
            ArrayNode a = n.putArray("lrDecayAt");
            lrDecayAt.forEach(a::add);
        }
        return TrainConfig.fromJson(n, "command line");
    }

    private static final dev.tdsr.models.DbpnConfig SMALL_SR = dev.tdsr.models.DbpnConfig.small(4);

    /** --size: the network keys of a preset (they override --config's). */
    static void sizePreset(ObjectNode n, String size) {
        switch (size.toLowerCase(java.util.Locale.ROOT)) {
            case "small" -> n.put("dbpnBase", SMALL_SR.base()).put("dbpnFeat", SMALL_SR.feat())
                    .put("dbpnStages", SMALL_SR.stages()).put("dbpnResidual", SMALL_SR.residual())
                    .put("ssdWidth", dev.tdsr.models.SsdConfig.SMALL_WIDTH).put("srganChannels", 16).put("srganBlocks", 2).put("srganResidual", true).put("discChannels", 8)
                    .put("discDense", 64).put("discCrop", 48);
            case "full" -> n.put("dbpnBase", 64).put("dbpnFeat", 256).put("dbpnStages", 7).put("dbpnResidual", false)
                    .put("ssdWidth", 1.0).put("srganChannels", 64).put("srganBlocks", 16).put("srganResidual", false).put("discChannels", 64)
                    .put("discDense", 1024).put("discCrop", 96);
            default -> throw new IllegalArgumentException("--size: expected small or full, got '" + size + "'");
        }
    }

    private static void putIf(ObjectNode n, String key, Object v) {
        if (v != null) {
            n.set(key, JSON.valueToTree(v instanceof Path ? v.toString() : v));
        }
    }
}
