package dev.tdsr.study;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.data.BadInputPolicy;
import dev.tdsr.data.Datasets;
import dev.tdsr.data.Degradation;
import dev.tdsr.data.LrFiles;
import dev.tdsr.data.LrSource;
import dev.tdsr.data.SyntheticDataset;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Engine;
import dev.tdsr.eval.PairedBootstrap;
import dev.tdsr.eval.TestBench;
import dev.tdsr.models.SrNetwork;
import dev.tdsr.models.Detection;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.Ssd;
import dev.tdsr.report.DetectionBox;
import dev.tdsr.report.Method;
import dev.tdsr.report.MethodResult;
import dev.tdsr.train.MetricsLog;
import dev.tdsr.train.Schedule;
import dev.tdsr.train.TrainConfig;
import dev.tdsr.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The study's steps on the real engine: training through {@link Trainer} (detector on HR, S with MSE, the fine-tuned
 * rows with their schedules through the frozen detector) and evaluation of every row on the test split with the VOC
 * and COCO evaluators and PSNR.
 *
 * <p>Every row is scored on the same test images by {@link TestBench}. Different scales may be worked on from
 * different threads at the same time ({@link Study}'s scale workers): each scale has its own detector instance and
 * test set, and training logs then go out as prefixed plain lines instead of progress bars.
 */
public final class TrainingStudySteps implements StudySteps {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Backend backend;
    private final PrintWriter log;
    private final Path dataRoot;
    private final boolean concurrentScales;
    private final int detectorThreads;
    private volatile Path detectorModel;
    private final Map<Integer, Ssd> detectors = new ConcurrentHashMap<>(); // by scale: a model is one thread's
    private final Map<Integer, TestBench> testSets = new ConcurrentHashMap<>();
    private final Map<Integer, Trainer.Result> srFtRuns = new ConcurrentHashMap<>();
    private final Map<Integer, int[][]> bootstrapCounts = new ConcurrentHashMap<>(); // by scale, drawn once

    /** For a study that runs one scale at a time. */
    public TrainingStudySteps(Backend backend, PrintWriter log, Path dataRoot) {
        this(backend, log, dataRoot, false);
    }

    /** @param concurrentScales whether the study works on several scales at once (plain prefixed log lines) */
    public TrainingStudySteps(Backend backend, PrintWriter log, Path dataRoot, boolean concurrentScales) {
        this(backend, log, dataRoot, concurrentScales, 0);
    }

    /**
     * @param detectorThreads the CPU engine's threads while the detector trains (0: unchanged). It trains before the
     *                        scales start, alone on the machine, so it may use the threads the scale workers share
     *                        afterwards; the count is restored when it is done.
     */
    public TrainingStudySteps(Backend backend, PrintWriter log, Path dataRoot, boolean concurrentScales,
            int detectorThreads) {
        this.backend = backend;
        this.log = log;
        this.dataRoot = dataRoot;
        this.concurrentScales = concurrentScales;
        this.detectorThreads = detectorThreads;
    }

    /** Where the training and test images are: the configured folders, or the synthetic set written once. */
    public Path trainRoot(StudyConfig c) throws IOException {
        return c.dataset().kind().equals("synthetic") ? synthetic(c) : Path.of(c.dataset().trainRoot());
    }

    private Path testRoot(StudyConfig c) throws IOException {
        return c.dataset().kind().equals("synthetic") ? synthetic(c) : Path.of(c.dataset().testRoot());
    }

    /** A one-line description of the data for the report. */
    public String describe(StudyConfig c) throws IOException {
        StudyConfig.Dataset d = c.dataset();
        if (d.kind().equals("synthetic")) {
            return "synthetic shapes (" + d.syntheticImages() + " images of " + d.syntheticSize() + "x"
                    + d.syntheticSize() + ", " + d.syntheticClasses() + " classes, seed " + c.seed() + "): "
                    + d.trainSplit() + " -> " + d.testSplit();
        }
        return d.kind() + " " + d.trainRoot() + " (" + d.trainSplit() + ") -> " + d.testRoot() + " (" + d.testSplit()
                + ")";
    }

    private synchronized Path synthetic(StudyConfig c) throws IOException {
        StudyConfig.Dataset d = c.dataset();
        Path root = dataRoot.resolve("synthetic-" + d.syntheticImages() + "x" + d.syntheticSize() + "-c"
                + d.syntheticClasses() + "-s" + c.seed());
        Path done = root.resolve(".complete");
        String where = " (beside the study folder, not in it: generated once per image count, size, classes and seed,"
                + " and shared by the studies in " + dataRoot.toAbsolutePath().getParent() + ")";
        if (!Files.exists(done)) {
            log.println("generating the synthetic dataset into " + root.toAbsolutePath() + where);
            log.flush();
            new SyntheticDataset(d.syntheticSize(), d.syntheticClasses(), c.seed())
                    .write(root, SyntheticDataset.Layout.VOC, d.syntheticImages());
            Files.writeString(done, "");
        } else {
            log.println("synthetic dataset: " + root.toAbsolutePath() + where);
            log.flush();
        }
        return root;
    }

    // ---- training ----

    private Trainer.Result train(ObjectNode cfg, Path dir) throws IOException {
        return train(cfg, dir, null);
    }

    /** A training run into {@code dir}; with {@code branchFrom}, continuing from that checkpoint of another run. */
    private Trainer.Result train(ObjectNode cfg, Path dir, Path branchFrom) throws IOException {
        cfg.put("out", dir.toString());
        TrainConfig tc = TrainConfig.fromJson(cfg, "study");
        boolean prefixed = concurrentScales && cfg.has("scale");
        PrintWriter runLog = prefixed ? new PrintWriter(new PrefixedLines(log, "[" + dir.getParent().getFileName()
                + "/" + dir.getFileName() + "] "), true) : log;
        Trainer.Options opts = new Trainer.Options(runLog, !prefixed && System.console() != null, null, true);
        try (Trainer t = branchFrom == null ? Trainer.start(tc, backend, opts)
                : Trainer.branch(branchFrom, tc, backend, opts)) {
            runLog.println("training " + t.config().modeValue() + " for " + t.config().steps() + " steps ("
                    + t.config().schedule() + ") into " + dir);
            runLog.flush();
            return t.run();
        } finally {
            if (prefixed) {
                runLog.close();
            }
        }
    }

    private ObjectNode common(StudyConfig c, int batch, double lr) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("data", trainRoot(c).toString());
        n.put("split", c.dataset().trainSplit());
        n.put("seed", c.seed());
        n.put("batch", batch);
        n.put("lr", lr);
        n.put("ssdInput", c.detector().inputSize());
        n.put("ssdWidth", c.detector().width());
        n.put("dbpnBase", c.sr().base());
        n.put("dbpnFeat", c.sr().feat());
        n.put("dbpnStages", c.sr().stages());
        n.put("dbpnResidual", c.sr().residual());
        n.put("logEvery", c.training().logEvery());
        n.put("checkpointEvery", Math.max(1, c.training().checkpointEvery()));
        n.put("evalEvery", c.training().evalEvery());
        n.put("evalData", testRoot(c).toString());
        n.put("evalSplit", c.dataset().testSplit());
        n.put("evalImages", Math.max(1, c.evaluation().evalImages()));
        n.put("workers", 1);
        return n;
    }

    /** detector.num_classes must be what the training data has (plus background): honoured, or refused here. */
    private void checkClasses(StudyConfig c) throws IOException {
        Path root = trainRoot(c);
        int classes = Datasets.open(root, c.dataset().trainSplit(), null, BadInputPolicy.SKIP).classes().size() + 1;
        if (classes != c.detector().numClasses()) {
            throw new IllegalArgumentException("detector.num_classes: " + c.detector().numClasses() + ", but the "
                    + "training data " + root + " has " + (classes - 1) + " classes (num_classes counts the "
                    + "background: expected " + classes + ")");
        }
    }

    /** The study's Adam settings, for the runs that train S (the detector keeps its own optimizer). */
    private static void adam(ObjectNode n, StudyConfig c) {
        n.put("momentum", c.training().adamBeta1());
        n.put("beta2", c.training().adamBeta2());
        n.put("eps", c.training().adamEps());
    }

    @Override
    public Trained prepareDetector(StudyConfig c, Path dir) throws Exception {
        checkClasses(c);
        for (int scale : c.scales()) { // a missing LR folder is found before D trains, not hours later
            lrSource(c, scale);
        }
        if (c.detector().weights() != null) {
            detectorModel = Path.of(c.detector().weights());
            return new Trained(detectorModel, null);
        }
        ObjectNode n = common(c, c.detector().trainBatch(), c.detector().trainLr());
        n.put("mode", "detector");
        n.put("steps", c.detector().trainIterations());
        n.put("lrWarmup", c.detector().trainLrWarmup());
        n.put("augment", c.detector().trainAugment());
        int before = Engine.threads();
        boolean widen = detectorThreads > before && backend.name().equals("cpu");
        if (widen) {
            Engine.setThreads(detectorThreads);
            log.println("detector: training on " + detectorThreads + " threads (alone on the machine; the scales then"
                    + " run on " + before + " each)");
        }
        Trainer.Result r;
        try {
            r = train(n, dir);
        } finally {
            if (widen) {
                Engine.setThreads(before);
            }
        }
        detectorModel = r.finalModel();
        return new Trained(r.finalModel(), r.runDir().resolve(MetricsLog.FILE));
    }

    @Override
    public Trained pretrainSr(StudyConfig c, int scale, Path dir) throws Exception {
        String given = c.sr().weights().get(String.valueOf(scale)); // keyed "4", "8" as documented
        if (given != null) {
            return new Trained(Path.of(given), null);
        }
        ObjectNode n = common(c, c.training().batchSize(), c.sr().pretrainLr());
        n.put("mode", "sr");
        adam(n, c);
        pairedLr(n, c);
        n.put("scale", scale);
        n.put("steps", c.sr().pretrainIterations());
        n.put("augment", c.sr().pretrainAugment());
        ArrayNode decay = n.putArray("lrDecayAt"); // none unless configured
        if (c.sr().pretrainLrDropAt() > 0) {
            decay.add(c.sr().pretrainLrDropAt());
            n.put("lrGamma", c.training().lrDropFactor());
        }
        Trainer.Result r = train(n, dir);
        return new Trained(r.finalModel(), r.runDir().resolve(MetricsLog.FILE));
    }

    @Override
    public Trained finetune(StudyConfig c, Method method, int scale, Trained pretrained, Path dir) throws Exception {
        ObjectNode n = common(c, c.training().batchSize(), c.training().lr());
        n.put("mode", "tdsr");
        adam(n, c);
        pairedLr(n, c);
        n.put("scale", scale);
        n.put("schedule", c.training().schedule(method));
        n.put("srInit", pretrained.modelDir().toString());
        n.put("lrWarmup", c.training().lrWarmup());
        n.put("augment", c.training().augment());
        n.put("detector", detectorModel.toString());
        if (c.training().lrDropAt() > 0) {
            n.putArray("lrDecayAt").add(c.training().lrDropAt());
            n.put("lrGamma", c.training().lrDropFactor());
        }
        if (StudyConfig.isSr4ir(method)) {
            n.put("perceptualWeight", c.sr4ir().perceptualWeight(method));
            n.put("perceptualTaps", c.sr4ir().perceptualTaps());
            n.put("patchMixGrid", c.sr4ir().patchMixGrid(method));
        }
        if (method == Method.SR4IR_ALT) { // the detector trains too: its run saves it beside S (final/task-network)
            n.put("alternate", true);
            n.put("taskLr", c.sr4ir().taskLr() != null ? c.sr4ir().taskLr() : c.training().lr());
        }
        Trainer.Result r = train(n, dir, sharedStart(c, scale, Schedule.parse(c.training().schedule(method))));
        if (method == Method.SR_FT) {
            srFtRuns.put(scale, r);
        }
        return new Trained(r.finalModel(), r.runDir().resolve(MetricsLog.FILE));
    }

    /**
     * The SRGAN row: an SRResNet trained from scratch on the training images with {@code srgan.schedule} (MSE, then
     * content on the frozen detector's VGG16 base + adversarial), with the fine-tunings' batch, Adam settings,
     * warm-up and augmentation.
     */
    @Override
    public Trained trainSrgan(StudyConfig c, int scale, Path dir) throws Exception {
        StudyConfig.Srgan g = c.srgan();
        ObjectNode n = common(c, c.training().batchSize(), g.lr());
        n.put("mode", "srgan");
        adam(n, c);
        n.put("scale", scale);
        n.put("schedule", g.schedule());
        n.put("srganChannels", g.channels());
        n.put("srganBlocks", g.blocks());
        n.put("srganResidual", g.residual());
        n.put("discChannels", g.discChannels());
        n.put("discDense", g.discDense());
        n.put("discCrop", g.discCrop());
        n.put("lrWarmup", c.training().lrWarmup());
        n.put("augment", c.training().augment());
        n.put("detector", detectorModel.toString());
        if (g.contentNetwork() != null) {
            n.put("contentNetwork", g.contentNetwork());
        }
        n.put("evalEvery", 0); // the fine-tunings' in-training evaluations are D-DBPN's curves
        pairedLr(n, c);
        ArrayNode decay = n.putArray("lrDecayAt");
        if (g.lrDropAt() > 0) {
            decay.add(g.lrDropAt());
            n.put("lrGamma", c.training().lrDropFactor());
        }
        Trainer.Result r = train(n, dir);
        return new Trained(r.finalModel(), r.runDir().resolve(MetricsLog.FILE));
    }

    /**
     * SR-FT's last checkpoint when {@code schedule} begins with SR-FT's schedule (SR-FT+ and TDSR in the paper's
     * notation do): those steps are the same computation, so the row continues from there instead of repeating them.
     */
    private Path sharedStart(StudyConfig c, int scale, Schedule schedule) {
        Trainer.Result srFt = srFtRuns.get(scale);
        if (srFt == null || srFt.checkpoint() == null) {
            return null;
        }
        long k = srFt.step();
        boolean shared = schedule.totalIterations() > k
                && schedule.first(k).equals(Schedule.parse(c.training().schedule(Method.SR_FT)).first(k));
        return shared ? srFt.checkpoint() : null;
    }

    // ---- evaluation ----

    private Ssd detector(int scale) throws IOException {
        Ssd d = detectors.get(scale);
        if (d == null) {
            d = ModelFiles.loadSsd(detectorModel, backend, null);
            detectors.put(scale, d);
        }
        return d;
    }

    private TestBench testSet(StudyConfig c, int scale) throws IOException {
        TestBench cached = testSets.get(scale);
        if (cached == null) {
            cached = TestBench.open(testRoot(c), c.dataset().testSplit(), c.dataset().maxTestImages(),
                    c.detector().inputSize(), lrSource(c, scale), c.seed());
            testSets.put(scale, cached);
        }
        return cached;
    }

    /** Paired data: a run that trains S reads its LR (and its evaluation's) from dataset.lr_dir. */
    private static void pairedLr(ObjectNode n, StudyConfig c) {
        if (c.dataset().lrDir() != null) {
            n.put("lrDir", c.dataset().lrDir());
            n.put("evalLrDir", c.dataset().lrDir());
        }
    }

    /** The study's LR: the files of {@code dataset.lr_dir}, else bicubic degradation (the paper's). */
    private static LrSource lrSource(StudyConfig c, int scale) {
        return c.dataset().lrDir() == null ? Degradation.bicubic(scale)
                : new LrFiles(Path.of(c.dataset().lrDir()), scale).checked("dataset.lr_dir");
    }

    @Override
    public Evaluation evaluate(StudyConfig c, Method method, int scale, Trained sr, Path dir) throws Exception {
        TestBench bench = testSet(c, scale);
        TestBench.Score score;
        Path ownDetector = sr == null ? null : sr.modelDir().resolve(Trainer.TASK_NETWORK);
        try (SrNetwork s = sr == null ? null : ModelFiles.loadSrNetwork(sr.modelDir(), backend);
             Ssd own = ownDetector != null && Files.isDirectory(ownDetector)
                     ? ModelFiles.loadSsd(ownDetector, backend, null) : null) {
            // a row that trained the detector with S (SR4IR-Alt) is scored with its own detector
            score = bench.score(method.benchInput(), s, own != null ? own : detector(scale),
                    c.evaluation().figureImages(), c.evaluation().vocOptions());
        }
        MethodResult result = MethodResult.of(method, score.psnrY(), score.psnrRgb(), null, score.voc(),
                score.coco());
        int resamples = c.evaluation().bootstrapResamples();
        if (score.vocMatched() != null && resamples > 0) { // the same resamples for every row of this scale
            int[][] counts = bootstrapCounts.computeIfAbsent(scale,
                    k -> PairedBootstrap.counts(bench.images().size(), resamples, c.seed() * 31 + scale));
            result = result.withMap07Resamples(PairedBootstrap.map07(score.vocMatched(), counts));
        }
        log.printf(java.util.Locale.ROOT, "x%d %-8s PSNR-Y %s  VOC07 mAP %.1f %%  COCO AP %.1f %%%n", scale, method,
                score.psnrY() == null ? "-" : String.format(java.util.Locale.ROOT, "%.2f dB", score.psnrY()),
                100 * score.voc().map07(), 100 * score.coco().ap());
        log.flush();
        List<FigureSample> samples = new ArrayList<>();
        for (TestBench.Shown shown : score.shown()) {
            List<DetectionBox> boxes = new ArrayList<>();
            for (Detection d : shown.detections()) {
                boxes.add(new DetectionBox(bench.classes().name(d.classIndex() - 1), d.score(), d.x1(), d.y1(),
                        d.x2(), d.y2()));
            }
            samples.add(new FigureSample(shown.imageId(), shown.image(), boxes, shown.psnrY()));
        }
        return new Evaluation(result, samples);
    }

    /** Frees the detectors held for evaluation. */
    public void close() {
        detectors.values().forEach(Ssd::close);
        detectors.clear();
    }
}
