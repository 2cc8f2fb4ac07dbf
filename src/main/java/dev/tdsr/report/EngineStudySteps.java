package dev.tdsr.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.data.BadInputPolicy;
import dev.tdsr.data.Bicubic;
import dev.tdsr.data.ClassList;
import dev.tdsr.data.Dataset;
import dev.tdsr.data.Datasets;
import dev.tdsr.data.Degradation;
import dev.tdsr.data.Image;
import dev.tdsr.data.LrBaselines;
import dev.tdsr.data.ObjectAnnotation;
import dev.tdsr.data.Sample;
import dev.tdsr.data.SyntheticDataset;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.eval.CocoEvaluator;
import dev.tdsr.eval.ImageQuality;
import dev.tdsr.eval.VocEvaluator;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.Detection;
import dev.tdsr.models.DetectionOutput;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.train.Schedule;
import dev.tdsr.train.TrainConfig;
import dev.tdsr.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The study's steps on the real engine: training through {@link Trainer} (detector on HR, S with MSE, the fine-tuned
 * rows with their schedules through the frozen detector) and evaluation of every row on the test split with the VOC
 * and COCO evaluators and PSNR.
 *
 * <p>Test images: the HR is the image resized to the detector's input (as SSD sees it), the LR its degradation with a
 * seed per image, so every row sees the same LR. Each row gives the detector one image of the input size: HR, the LR
 * pasted top-left on a black canvas, bicubic up, or S's output (unclamped, as in training); boxes are mapped back to
 * the original image's pixels for evaluation (VOC's +1 convention: the data package's boxes are 0-based).
 */
public final class EngineStudySteps implements StudySteps {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EVAL_BATCH = 4;

    private final Backend backend;
    private final PrintWriter log;
    private final Path dataRoot;
    private Path detectorModel;
    private Ssd detector;
    private final Map<Integer, List<TestImage>> testSets = new HashMap<>();
    private ClassList classNames;
    private final Map<Integer, Trainer.Result> srFtRuns = new HashMap<>();

    /** One test image as every row starts from. */
    private record TestImage(int index, Sample sample, Image hr, Image lr) {}

    public EngineStudySteps(Backend backend, PrintWriter log, Path dataRoot) {
        this.backend = backend;
        this.log = log;
        this.dataRoot = dataRoot;
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

    private Path synthetic(StudyConfig c) throws IOException {
        StudyConfig.Dataset d = c.dataset();
        Path root = dataRoot.resolve("synthetic-" + d.syntheticImages() + "x" + d.syntheticSize() + "-c"
                + d.syntheticClasses() + "-s" + c.seed());
        Path done = root.resolve(".complete");
        if (!Files.exists(done)) {
            log.println("generating the synthetic dataset into " + root);
            log.flush();
            new SyntheticDataset(d.syntheticSize(), d.syntheticClasses(), c.seed())
                    .write(root, SyntheticDataset.Layout.VOC, d.syntheticImages());
            Files.writeString(done, "");
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
        Trainer.Options opts = new Trainer.Options(log, System.console() != null, null, true);
        try (Trainer t = branchFrom == null ? Trainer.start(tc, backend, opts)
                : Trainer.branch(branchFrom, tc, backend, opts)) {
            log.println("training " + t.config().modeValue() + " for " + t.config().steps() + " steps ("
                    + t.config().schedule() + ") into " + dir);
            log.flush();
            return t.run();
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
        n.put("logEvery", c.training().logEvery());
        n.put("checkpointEvery", Math.max(1, c.training().checkpointEvery()));
        n.put("workers", 1);
        return n;
    }

    @Override
    public Trained prepareDetector(StudyConfig c, Path dir) throws Exception {
        if (c.detector().weights() != null) {
            detectorModel = Path.of(c.detector().weights());
            return new Trained(detectorModel, null);
        }
        ObjectNode n = common(c, c.detector().trainBatch(), c.detector().trainLr());
        n.put("mode", "detector");
        n.put("steps", c.detector().trainIterations());
        Trainer.Result r = train(n, dir);
        detectorModel = r.finalModel();
        return new Trained(r.finalModel(), r.runDir().resolve("metrics.jsonl"));
    }

    @Override
    public Trained pretrainSr(StudyConfig c, int scale, Path dir) throws Exception {
        String given = c.sr().weights().get("x" + scale);
        if (given != null) {
            return new Trained(Path.of(given), null);
        }
        ObjectNode n = common(c, c.training().batchSize(), c.sr().pretrainLr());
        n.put("mode", "sr");
        n.put("scale", scale);
        n.put("steps", c.sr().pretrainIterations());
        Trainer.Result r = train(n, dir);
        return new Trained(r.finalModel(), r.runDir().resolve("metrics.jsonl"));
    }

    @Override
    public Trained finetune(StudyConfig c, Method method, int scale, Trained pretrained, Path dir) throws Exception {
        ObjectNode n = common(c, c.training().batchSize(), c.training().lr());
        n.put("mode", "tdsr");
        n.put("scale", scale);
        n.put("schedule", c.training().schedule(method));
        n.put("srInit", pretrained.modelDir().toString());
        n.put("detector", detectorModel.toString());
        if (c.training().lrDropAt() > 0) {
            n.putArray("lrDecayAt").add(c.training().lrDropAt());
            n.put("lrGamma", c.training().lrDropFactor());
        }
        Trainer.Result r = train(n, dir, sharedStart(c, scale, Schedule.parse(c.training().schedule(method))));
        if (method == Method.SR_FT) {
            srFtRuns.put(scale, r);
        }
        return new Trained(r.finalModel(), r.runDir().resolve("metrics.jsonl"));
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

    private Ssd detector() throws IOException {
        if (detector == null) {
            detector = ModelFiles.loadSsd(detectorModel, backend, null);
        }
        return detector;
    }

    private List<TestImage> testSet(StudyConfig c, int scale) throws IOException {
        List<TestImage> cached = testSets.get(scale);
        if (cached != null) {
            return cached;
        }
        Dataset data = Datasets.open(testRoot(c), c.dataset().testSplit(), null, BadInputPolicy.SKIP);
        int size = c.detector().inputSize();
        int n = c.dataset().maxTestImages() > 0 ? Math.min(c.dataset().maxTestImages(), data.size()) : data.size();
        Degradation degradation = Degradation.bicubic(scale);
        List<TestImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sample s = data.samples().get(i);
            Image original = Image.read(s.imagePath());
            Image hr = original.width() == size && original.height() == size ? original
                    : Bicubic.resize(original, size, size);
            Image lr = degradation.apply(hr, new SplittableRandom(c.seed() * 1_000_003L + i));
            images.add(new TestImage(i, s, hr, lr));
        }
        testSets.put(scale, images);
        classNames = data.classes();
        return images;
    }

    @Override
    public Evaluation evaluate(StudyConfig c, Method method, int scale, Trained sr, Path dir) throws Exception {
        List<TestImage> test = testSet(c, scale);
        Ssd det = detector();
        int size = c.detector().inputSize();
        DetectionOutput output = DetectionOutput.standard(det.priors(), det.config().numClasses());
        List<VocEvaluator.Detection> vocDets = new ArrayList<>();
        List<CocoEvaluator.Detection> cocoDets = new ArrayList<>();
        List<FigureSample> samples = new ArrayList<>();
        double psnrY = 0;
        double psnrRgb = 0;
        boolean hasPsnr = method != Method.HR && method != Method.LR;
        try (Dbpn s = sr == null ? null : ModelFiles.loadDbpn(sr.modelDir(), backend, null)) {
            for (int b0 = 0; b0 < test.size(); b0 += EVAL_BATCH) {
                List<TestImage> batch = test.subList(b0, Math.min(test.size(), b0 + EVAL_BATCH));
                try (Scope scope = Scope.open()) {
                    List<Image> inputs = detectorInputs(method, batch, s, size);
                    Tensor x = backend.allocate(batch.size(), 3, size, size);
                    float[] all = new float[batch.size() * 3 * size * size];
                    for (int i = 0; i < batch.size(); i++) {
                        System.arraycopy(inputs.get(i).data(), 0, all, i * 3 * size * size, 3 * size * size);
                    }
                    x.write(all);
                    Ssd.Output o = det.forward(x);
                    double[] frame = new double[batch.size()];
                    java.util.Arrays.fill(frame, size);
                    List<Detection> dets = output.detect(o.loc(), o.conf(), frame, frame);
                    for (int i = 0; i < batch.size(); i++) {
                        TestImage t = batch.get(i);
                        Image seen = inputs.get(i);
                        Double psnr = null;
                        if (hasPsnr) {
                            float[] clamped = clampCopy(seen.data());
                            double py = ImageQuality.psnr(clamped, t.hr().data(), size, size, scale,
                                    ImageQuality.Channel.Y);
                            psnrY += py;
                            psnrRgb += ImageQuality.psnr(clamped, t.hr().data(), size, size, scale,
                                    ImageQuality.Channel.RGB);
                            psnr = py;
                        }
                        // frame pixels -> original pixels (the LR canvas holds the LR at 1:1, top-left)
                        double fx = (double) t.sample().width() / (method == Method.LR ? t.lr().width() : size);
                        double fy = (double) t.sample().height() / (method == Method.LR ? t.lr().height() : size);
                        List<DetectionBox> boxes = new ArrayList<>();
                        for (Detection d : dets) {
                            if (d.image() != i) {
                                continue;
                            }
                            String name = classNames.name(d.classIndex() - 1);
                            double x1 = d.x1() * fx;
                            double y1 = d.y1() * fy;
                            double x2 = d.x2() * fx;
                            double y2 = d.y2() * fy;
                            vocDets.add(new VocEvaluator.Detection(t.sample().id(), name, d.score(),
                                    new VocEvaluator.Box(x1 + 1, y1 + 1, x2 + 1, y2 + 1)));
                            cocoDets.add(new CocoEvaluator.Detection(t.index(), d.classIndex(), x1, y1, x2 - x1,
                                    y2 - y1, d.score()));
                            boxes.add(new DetectionBox(name, d.score(), d.x1(), d.y1(), d.x2(), d.y2()));
                        }
                        if (t.index() < c.evaluation().figureImages()) {
                            Image shown = method == Method.LR ? t.lr() : new Image(size, size, clampCopy(seen.data()));
                            samples.add(new FigureSample(t.sample().id(), shown, boxes, psnr));
                        }
                    }
                }
            }
        }
        int n = test.size();
        VocEvaluator.Result voc = VocEvaluator.evaluate(classNames.names(), vocGroundTruth(test), vocDets,
                c.evaluation().vocOptions());
        CocoEvaluator.Result coco = CocoEvaluator.evaluate(cocoGroundTruth(test), cocoDets);
        MethodResult result = MethodResult.of(method, hasPsnr ? psnrY / n : null, hasPsnr ? psnrRgb / n : null, null,
                voc, coco);
        log.printf("x%d %-8s PSNR-Y %s  mAP07 %.4f  COCO AP %.4f%n", scale, method,
                hasPsnr ? String.format("%.2f", psnrY / n) : "-", voc.map07(), coco.ap());
        log.flush();
        return new Evaluation(result, samples);
    }

    /** The image the detector is given in each row, at the detector's input size. */
    private static List<Image> detectorInputs(Method method, List<TestImage> batch, Dbpn s, int size) {
        List<Image> out = new ArrayList<>();
        switch (method) {
            case HR -> batch.forEach(t -> out.add(t.hr()));
            case LR -> batch.forEach(t -> out.add(LrBaselines.pasteTopLeft(t.lr(), size, size)));
            case BICUBIC -> batch.forEach(t -> out.add(LrBaselines.bicubicUp(t.lr(), size, size)));
            default -> out.addAll(superResolve(s, batch, size));
        }
        return out;
    }

    /** S's output for the batch's LR images, cut to the HR size (8x of 300: 304 -> top-left 300). */
    private static List<Image> superResolve(Dbpn s, List<TestImage> batch, int size) {
        Backend b = s.parameters().slab().backend();
        int lw = batch.get(0).lr().width();
        int lh = batch.get(0).lr().height();
        float[] lr = new float[batch.size() * 3 * lw * lh];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).lr().data(), 0, lr, i * 3 * lw * lh, 3 * lw * lh);
        }
        Tensor x = b.allocate(batch.size(), 3, lh, lw).write(lr);
        float[] v = TdsrObjective.cropTo(s.forward(x), size, size).toFloatArray();
        List<Image> out = new ArrayList<>();
        int plane = 3 * size * size;
        for (int i = 0; i < batch.size(); i++) {
            float[] one = new float[plane];
            System.arraycopy(v, i * plane, one, 0, plane);
            out.add(new Image(size, size, one));
        }
        return out;
    }

    private static float[] clampCopy(float[] v) {
        float[] c = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            c[i] = Math.min(1f, Math.max(0f, v[i]));
        }
        return c;
    }

    private static List<VocEvaluator.GtImage> vocGroundTruth(List<TestImage> test) {
        List<VocEvaluator.GtImage> gt = new ArrayList<>();
        for (TestImage t : test) {
            List<VocEvaluator.GtObject> objects = new ArrayList<>();
            for (ObjectAnnotation o : t.sample().objects()) {
                objects.add(new VocEvaluator.GtObject(o.className(), new VocEvaluator.Box(o.box().x1() + 1,
                        o.box().y1() + 1, o.box().x2() + 1, o.box().y2() + 1), o.difficult()));
            }
            gt.add(new VocEvaluator.GtImage(t.sample().id(), objects));
        }
        return gt;
    }

    private CocoEvaluator.GroundTruth cocoGroundTruth(List<TestImage> test) {
        List<Long> images = new ArrayList<>();
        List<Long> categories = new ArrayList<>();
        for (int k = 0; k < classNames.size(); k++) {
            categories.add((long) k + 1);
        }
        List<CocoEvaluator.Annotation> anns = new ArrayList<>();
        long id = 1;
        for (TestImage t : test) {
            images.add((long) t.index());
            for (ObjectAnnotation o : t.sample().objects()) {
                double w = o.box().x2() - o.box().x1();
                double h = o.box().y2() - o.box().y1();
                // COCO has no "difficult": such objects are ignored regions, like crowds
                anns.add(new CocoEvaluator.Annotation(id++, t.index(), o.classIndex() + 1, o.box().x1(), o.box().y1(),
                        w, h, w * h, o.difficult()));
            }
        }
        return new CocoEvaluator.GroundTruth(images, categories, anns);
    }

    /** Frees the detector held for evaluation. */
    public void close() {
        if (detector != null) {
            detector.close();
            detector = null;
        }
    }
}
