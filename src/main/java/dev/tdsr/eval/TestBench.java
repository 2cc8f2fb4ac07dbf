package dev.tdsr.eval;

import dev.tdsr.data.BadInputPolicy;
import dev.tdsr.data.Bicubic;
import dev.tdsr.data.ClassList;
import dev.tdsr.data.Dataset;
import dev.tdsr.data.Datasets;
import dev.tdsr.data.Image;
import dev.tdsr.data.LrBaselines;
import dev.tdsr.data.LrFiles;
import dev.tdsr.data.LrSource;
import dev.tdsr.data.ObjectAnnotation;
import dev.tdsr.data.Sample;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.SrNetwork;
import dev.tdsr.models.Detection;
import dev.tdsr.models.DetectionOutput;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.TdsrObjective;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The test images of a study or of a training run's periodic evaluation, and how one way of producing the detector's
 * input (a row of the paper's Table 1) is scored on them: PSNR of the image against the HR, VOC07 and COCO detection
 * accuracy of the detector on it.
 *
 * <p>The HR is the image resized to the detector's input (as SSD sees it), the LR its degradation with a seed per
 * image or the image's own LR file ({@link LrSource}), so every row sees the same LR. The detector gets one image of the input size: HR, the LR pasted top-left on a
 * black canvas, bicubic up, or S's output (unclamped, as in training; clamped to [0,1] for PSNR and display); boxes
 * are mapped back to the original image's pixels for evaluation (VOC's +1 convention: the data package's boxes are
 * 0-based).
 */
public final class TestBench {
    private static final int BATCH = 4;

    /** What the detector is given. */
    public enum Input {
        HR, LR_PADDED, BICUBIC, SR
    }

    /** One test image as every row starts from. */
    public record TestImage(int index, Sample sample, Image hr, Image lr) {}

    /** One image as a row showed it to the detector (clamped), its detections in that image's pixels, its PSNR-Y. */
    public record Shown(String imageId, Image image, List<Detection> detections, Double psnrY) {}

    /**
     * A row's scores; PSNR is null for HR and LR (nothing to compare), detection results null without detector.
     * {@code vocMatched} is {@code voc} before scoring, for resampling the test images (a paired bootstrap).
     */
    public record Score(Double psnrY, Double psnrRgb, VocEvaluator.Result voc, CocoEvaluator.Result coco,
                        List<Shown> shown, VocEvaluator.Matched vocMatched) {}

    private final List<TestImage> images;
    private final ClassList classes;
    private final int size;
    private final int scale;

    private TestBench(List<TestImage> images, ClassList classes, int size, int scale) {
        this.images = images;
        this.classes = classes;
        this.size = size;
        this.scale = scale;
    }

    /**
     * The first {@code maxImages} (0 = all) images of {@code split} under {@code root} (VOC or COCO layout), at the
     * detector's input {@code size}, with LR from {@code lrSource}: degraded from that HR (noise drawn from (seed,
     * image index)), or the image's LR file resized like the HR (to {@code ceil(size/scale)}, when not that already).
     */
    public static TestBench open(Path root, String split, int maxImages, int size, LrSource lrSource, long seed)
            throws IOException {
        Dataset data = Datasets.open(root, split, null, BadInputPolicy.SKIP);
        if (lrSource instanceof LrFiles files) {
            data = files.verify(data);
        }
        int n = maxImages > 0 ? Math.min(maxImages, data.size()) : data.size();
        if (n == 0) {
            throw new IllegalArgumentException("evaluation: " + root + " split " + split + " has no images");
        }
        int lrSize = lrSource.lrLength(size);
        List<TestImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sample s = data.samples().get(i);
            Image hr = resized(Image.read(s.imagePath()), size);
            Image lr = lrSource.lr(s, hr, paired -> resized(paired, lrSize),
                    new SplittableRandom(seed * 1_000_003L + i));
            images.add(new TestImage(i, s, hr, lr));
        }
        return new TestBench(List.copyOf(images), data.classes(), size, lrSource.scale());
    }

    private static Image resized(Image im, int side) {
        return im.width() == side && im.height() == side ? im : Bicubic.resize(im, side, side);
    }

    public List<TestImage> images() {
        return images;
    }

    public ClassList classes() {
        return classes;
    }

    /**
     * Scores one row. {@code s} is needed for {@link Input#SR}; without {@code detector} only PSNR is measured. The
     * first {@code keepShown} images are returned as shown (for figure grids).
     */
    public Score score(Input input, SrNetwork s, Ssd detector, int keepShown, VocEvaluator.Options vocOptions) {
        if (input == Input.SR && s == null) {
            throw new IllegalArgumentException("TestBench: input SR needs the SR network");
        }
        if (detector == null && (input == Input.HR || input == Input.LR_PADDED)) {
            throw new IllegalArgumentException("TestBench: input " + input + " has nothing to score without a detector");
        }
        DetectionOutput output = detector == null ? null
                : DetectionOutput.standard(detector.priors(), detector.config().numClasses());
        List<VocEvaluator.Detection> vocDets = new ArrayList<>();
        List<CocoEvaluator.Detection> cocoDets = new ArrayList<>();
        List<Shown> shown = new ArrayList<>();
        boolean hasPsnr = input == Input.BICUBIC || input == Input.SR;
        double psnrY = 0;
        double psnrRgb = 0;
        for (int b0 = 0; b0 < images.size(); b0 += BATCH) {
            List<TestImage> batch = images.subList(b0, Math.min(images.size(), b0 + BATCH));
            try (Scope scope = Scope.open()) {
                List<Image> inputs = detectorInputs(input, batch, s);
                List<Detection> dets = detector == null ? List.of() : detect(detector, output, inputs);
                for (int i = 0; i < batch.size(); i++) {
                    TestImage t = batch.get(i);
                    boolean keep = t.index() < keepShown;
                    Image clamped = hasPsnr || keep ? new Image(size, size, clampCopy(inputs.get(i).data())) : null;
                    Double psnr = null;
                    if (hasPsnr) {
                        psnr = ImageQuality.psnr(clamped.data(), t.hr().data(), size, size, scale,
                                ImageQuality.Channel.Y);
                        psnrY += psnr;
                        psnrRgb += ImageQuality.psnr(clamped.data(), t.hr().data(), size, size, scale,
                                ImageQuality.Channel.RGB);
                    }
                    List<Detection> mine = new ArrayList<>();
                    for (Detection d : dets) {
                        if (d.image() == i) {
                            mine.add(d);
                            record(input, t, d, vocDets, cocoDets);
                        }
                    }
                    if (keep) {
                        shown.add(new Shown(t.sample().id(), input == Input.LR_PADDED ? t.lr() : clamped, mine,
                                psnr));
                    }
                }
            }
        }
        int n = images.size();
        VocEvaluator.Matched matched = detector == null ? null
                : VocEvaluator.match(classes.names(), vocGroundTruth(), vocDets, vocOptions);
        CocoEvaluator.Result coco = detector == null ? null : CocoEvaluator.evaluate(cocoGroundTruth(), cocoDets);
        return new Score(hasPsnr ? psnrY / n : null, hasPsnr ? psnrRgb / n : null,
                matched == null ? null : matched.result(), coco, shown, matched);
    }

    private List<Detection> detect(Ssd detector, DetectionOutput output, List<Image> inputs) {
        float[] all = new float[inputs.size() * 3 * size * size];
        for (int i = 0; i < inputs.size(); i++) {
            System.arraycopy(inputs.get(i).data(), 0, all, i * 3 * size * size, 3 * size * size);
        }
        Tensor x = detector.parameters().slab().backend().allocate(inputs.size(), 3, size, size).write(all);
        Ssd.Output o = detector.forward(x);
        double[] frame = new double[inputs.size()];
        Arrays.fill(frame, size);
        return output.detect(o.loc(), o.conf(), frame, frame);
    }

    /** A detection in frame pixels as the evaluators want it: in the original image's pixels. */
    private void record(Input input, TestImage t, Detection d, List<VocEvaluator.Detection> voc,
                        List<CocoEvaluator.Detection> coco) {
        // the LR canvas holds the LR at 1:1, top-left
        double fx = (double) t.sample().width() / (input == Input.LR_PADDED ? t.lr().width() : size);
        double fy = (double) t.sample().height() / (input == Input.LR_PADDED ? t.lr().height() : size);
        double x1 = d.x1() * fx;
        double y1 = d.y1() * fy;
        double x2 = d.x2() * fx;
        double y2 = d.y2() * fy;
        voc.add(new VocEvaluator.Detection(t.sample().id(), classes.name(d.classIndex() - 1), d.score(),
                new VocEvaluator.Box(x1 + 1, y1 + 1, x2 + 1, y2 + 1)));
        coco.add(new CocoEvaluator.Detection(t.index(), d.classIndex(), x1, y1, x2 - x1, y2 - y1, d.score()));
    }

    private List<Image> detectorInputs(Input input, List<TestImage> batch, SrNetwork s) {
        List<Image> out = new ArrayList<>();
        switch (input) {
            case HR -> batch.forEach(t -> out.add(t.hr()));
            case LR_PADDED -> batch.forEach(t -> out.add(LrBaselines.pasteTopLeft(t.lr(), size, size)));
            case BICUBIC -> batch.forEach(t -> out.add(LrBaselines.bicubicUp(t.lr(), size, size)));
            case SR -> out.addAll(superResolve(s, batch));
        }
        return out;
    }

    /** S's output for the batch's LR images, cut to the HR size (8x of 300: 304 -> top-left 300). */
    private List<Image> superResolve(SrNetwork s, List<TestImage> batch) {
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
            out.add(new Image(size, size, Arrays.copyOfRange(v, i * plane, (i + 1) * plane)));
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

    private List<VocEvaluator.GtImage> vocGroundTruth() {
        List<VocEvaluator.GtImage> gt = new ArrayList<>();
        for (TestImage t : images) {
            List<VocEvaluator.GtObject> objects = new ArrayList<>();
            for (ObjectAnnotation o : t.sample().objects()) {
                objects.add(new VocEvaluator.GtObject(o.className(), new VocEvaluator.Box(o.box().x1() + 1,
                        o.box().y1() + 1, o.box().x2() + 1, o.box().y2() + 1), o.difficult()));
            }
            gt.add(new VocEvaluator.GtImage(t.sample().id(), objects));
        }
        return gt;
    }

    private CocoEvaluator.GroundTruth cocoGroundTruth() {
        List<Long> ids = new ArrayList<>();
        List<Long> categories = new ArrayList<>();
        for (int k = 0; k < classes.size(); k++) {
            categories.add((long) k + 1);
        }
        List<CocoEvaluator.Annotation> anns = new ArrayList<>();
        long id = 1;
        for (TestImage t : images) {
            ids.add((long) t.index());
            for (ObjectAnnotation o : t.sample().objects()) {
                double w = o.box().x2() - o.box().x1();
                double h = o.box().y2() - o.box().y1();
                // COCO has no "difficult": such objects are ignored regions, like crowds
                anns.add(new CocoEvaluator.Annotation(id++, t.index(), o.classIndex() + 1, o.box().x1(), o.box().y1(),
                        w, h, w * h, o.difficult()));
            }
        }
        return new CocoEvaluator.GroundTruth(ids, categories, anns);
    }
}
