package dev.tdsr.study;

import dev.tdsr.data.Degradation;
import dev.tdsr.data.Image;
import dev.tdsr.data.LrBaselines;
import dev.tdsr.data.SegmentationMask;
import dev.tdsr.data.SyntheticDataset;
import dev.tdsr.data.VocSegmentationReader;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.eval.ImageQuality;
import dev.tdsr.eval.PairedBootstrap;
import dev.tdsr.eval.SegmentationBench;
import dev.tdsr.eval.SegmentationMetrics;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.FcnConfig;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.SegmentationTaskNetwork;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.report.SegmentationReport;
import dev.tdsr.train.Optimizer;
import dev.tdsr.train.RunLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The segmentation study ({@code train --study segmentation}): does task-driven SR help a segmentation network as
 * TDSR's helps a detector? Generates synthetic images with class masks, trains the FCN on HR, pretrains D-DBPN with
 * MSE (SR), fine-tunes it for the same steps on the same batches with MSE (SR-FT) and with
 * {@code alpha * MSE + beta * pixel CE} through the frozen FCN (TDSR) and, when the config has its block, with
 * SR4IR's objectives added (SR4IR), and scores HR, LR (top-left on a black canvas, as the detection study), Bicubic,
 * SR, SR-FT, TDSR and SR4IR on the test images: mIoU, pixel accuracy, PSNR-Y. The FCN is a
 * {@link SegmentationTaskNetwork} and S's rows train through {@link TdsrObjective}, the task interface of issue 16.
 * Writes results.json, report.md and report.html; the verdict compares TDSR with SR-FT (and SR4IR with TDSR) in mIoU
 * with a paired bootstrap.
 */
public final class SegmentationStudy {
    /** Bootstrap resamples of the test images for the verdict. */
    static final int RESAMPLES = 1000;

    private final SegmentationStudyConfig config;
    private final Backend backend;
    private final PrintWriter out;
    private final int classes;

    private SegmentationStudy(SegmentationStudyConfig config, Backend backend, PrintWriter out) {
        this.config = config;
        this.backend = backend;
        this.out = out;
        this.classes = config.dataset().classes() + 1;
    }

    /** One test or training image: HR, its LR (from the HR, as the detection path makes it) and its mask. */
    private record Item(String id, Image hr, Image lr, SegmentationMask mask) {
        Item(SegmentationBench.Item it) {
            this(it.id(), it.hr(), it.lr(), it.mask());
        }
    }

    /** Runs the study into {@code dir} (default {@code runs/study-<name>}); returns the exit code. */
    public static int run(String nameOrFile, List<String> overrides, Path dir, Backend backend, PrintWriter out)
            throws IOException {
        SegmentationStudyConfig config = SegmentationStudyConfig.resolve(nameOrFile, overrides);
        Path folder = dir != null ? dir : Path.of("runs", "study-" + config.name());
        try (RunLock lock = RunLock.acquire(folder)) {
            new SegmentationStudy(config, backend, out).run(folder);
        }
        return 0;
    }

    private void run(Path dir) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(dir);
        out.println("segmentation study '" + config.name() + "' into " + dir.toAbsolutePath());
        Path data = dataFolder(dir);
        List<Item> train = load(data, "trainval", 0);
        List<Item> test = load(data, "test", config.dataset().maxTestImages());
        out.printf(Locale.ROOT, "data: %s (%d training, %d test images, %d classes with background)%n", data,
                train.size(), test.size(), classes);
        out.flush();
        List<String> classNames = VocSegmentationReader.read(data, "test", "2007").classNames();
        List<SegmentationReport.Row> rows = new ArrayList<>();
        java.util.Map<String, List<SegmentationMetrics>> perImage = new java.util.LinkedHashMap<>();
        List<SegmentationReport.Curve> curves = new ArrayList<>();
        SegmentationStudyConfig.SuperResolution s = config.sr();
        DbpnConfig srConfig = new DbpnConfig(config.scale(), s.base(), s.feat(), s.stages(), s.residual());
        try (SegmentationTaskNetwork fcn = SegmentationTaskNetwork.create(
                     new FcnConfig(config.segmenter().width(), classes), classNames, backend, config.seed());
             Dbpn sr = new Dbpn(srConfig, backend, DType.F32, config.seed() + 1);
             Dbpn srFt = new Dbpn(srConfig, backend, DType.F32, 0);
             Dbpn tdsr = new Dbpn(srConfig, backend, DType.F32, 0);
             Dbpn sr4ir = new Dbpn(srConfig, backend, DType.F32, 0)) {
            curves.add(trainSegmenter(fcn, train));
            fcn.save(dir.resolve("fcn"));
            fcn.setTrainable(false); // frozen from here on: the task network of TDSR
            curves.add(trainSr("SR", sr, null, train, s.pretrainIterations(), s.pretrainLr(), s.batch(), 1, 0,
                    TdsrObjective.Sr4ir.NONE, config.seed() + 2));
            ModelFiles.save(dir.resolve("sr"), sr);
            SegmentationStudyConfig.FineTune ft = config.finetune();
            for (Dbpn copy : List.of(srFt, tdsr, sr4ir)) {
                backend.copy(copy.parameters().slab(), sr.parameters().slab());
            }
            // the same batches (seed) and steps for all: only the loss differs
            curves.add(trainSr("SR-FT", srFt, null, train, ft.iterations(), ft.lr(), ft.batch(), ft.alpha(), 0,
                    TdsrObjective.Sr4ir.NONE, config.seed() + 3));
            curves.add(trainSr("TDSR", tdsr, fcn, train, ft.iterations(), ft.lr(), ft.batch(), ft.alpha(), ft.beta(),
                    TdsrObjective.Sr4ir.NONE, config.seed() + 3));
            ModelFiles.save(dir.resolve("sr-ft"), srFt);
            ModelFiles.save(dir.resolve("tdsr"), tdsr);
            SegmentationStudyConfig.Sr4ir r4 = config.sr4ir();
            if (r4 != null) {
                curves.add(trainSr("SR4IR", sr4ir, fcn, train, ft.iterations(), ft.lr(), ft.batch(), ft.alpha(),
                        ft.beta(), new TdsrObjective.Sr4ir(r4.perceptualWeight(), r4.perceptualTaps(),
                                r4.patchMixGrid(), config.seed() + 4), config.seed() + 3));
                ModelFiles.save(dir.resolve("sr4ir"), sr4ir);
            }
            int side = config.dataset().size();
            // kind: 0 the HR image, 1 the LR on a black canvas, 2 bicubic, 3 the network's output
            record Method(String name, Dbpn net, int kind) {}
            List<Method> methods = new ArrayList<>(List.of(new Method("HR", null, 0), new Method("LR", null, 1),
                    new Method("Bicubic", null, 2), new Method("SR", sr, 3), new Method("SR-FT", srFt, 3),
                    new Method("TDSR", tdsr, 3)));
            if (r4 != null) {
                methods.add(new Method("SR4IR", sr4ir, 3));
            }
            for (Method m : methods) {
                List<SegmentationMetrics> images = new ArrayList<>();
                double psnr = 0;
                for (int i = 0; i < test.size(); i += 8) {
                    List<Item> batch = test.subList(i, Math.min(test.size(), i + 8));
                    List<Image> inputs = new ArrayList<>();
                    try (Scope sc = Scope.open()) {
                        if (m.kind == 3) {
                            inputs = upscale(m.net, batch, side);
                        } else {
                            for (Item it : batch) {
                                inputs.add(switch (m.kind) {
                                    case 0 -> it.hr;
                                    case 1 -> LrBaselines.pasteTopLeft(it.lr, side, side);
                                    default -> LrBaselines.bicubicUp(it.lr, side, side);
                                });
                            }
                        }
                        images.addAll(segment(fcn, inputs, batch));
                    }
                    if (m.kind >= 2) {
                        for (int k = 0; k < batch.size(); k++) {
                            psnr += ImageQuality.psnr(inputs.get(k).data(), batch.get(k).hr.data(), side, side,
                                    config.scale(), ImageQuality.Channel.Y);
                        }
                    }
                }
                SegmentationMetrics all = new SegmentationMetrics(classes);
                images.forEach(im -> all.add(im, 1));
                rows.add(new SegmentationReport.Row(m.name, all.meanIou(), all.pixelAccuracy(),
                        m.kind >= 2 ? psnr / test.size() : null, all.classIou()));
                perImage.put(m.name, images);
                out.printf(Locale.ROOT, "  %-8s mIoU %.4f  pixel acc %.4f%s%n", m.name, all.meanIou(),
                        all.pixelAccuracy(), m.kind >= 2 ? String.format(Locale.ROOT, "  PSNR-Y %.2f",
                                psnr / test.size()) : "");
                out.flush();
            }
        }
        int[][] counts = PairedBootstrap.counts(test.size(), RESAMPLES, config.seed());
        java.util.Map<String, double[]> boot = new java.util.HashMap<>();
        perImage.forEach((name, images) -> boot.put(name, SegmentationMetrics.resampledMeanIou(images, counts)));
        double overFt = share(boot.get("TDSR"), boot.get("SR-FT"));
        double overBicubic = share(boot.get("TDSR"), boot.get("Bicubic"));
        Double sr4irOverTdsr = boot.containsKey("SR4IR") ? share(boot.get("SR4IR"), boot.get("TDSR")) : null;
        double minutes = (System.nanoTime() - t0) / 6e10;
        SegmentationReport report = new SegmentationReport(config.name(), config.description(), config.scale(),
                test.size(), train.size(), classNames, rows, curves, overFt, overBicubic, sr4irOverTdsr, minutes,
                backend.name(),
                ConfigLoader.JSON.valueToTree(config));
        report.write(dir);
        out.printf(Locale.ROOT, "segmentation study done in %.1f min: %s, %s%n", minutes, dir.resolve("report.md"),
                dir.resolve("report.html"));
        out.println("verdict: " + report.verdict());
        out.flush();
    }

    /** Share of resamples in which {@code a} is above {@code b}, a tie counting half (equal rows give 1/2). */
    static double share(double[] a, double[] b) {
        double wins = 0;
        for (int r = 0; r < a.length; r++) {
            wins += a[r] > b[r] ? 1 : a[r] == b[r] ? 0.5 : 0;
        }
        return wins / a.length;
    }

    /** Generated data beside the study folder, as the detection study keeps it ({@code <out>/../data/...}). */
    private Path dataFolder(Path dir) throws IOException {
        SegmentationStudyConfig.Dataset d = config.dataset();
        Path data = dir.toAbsolutePath().getParent().resolve("data").resolve(String.format(Locale.ROOT,
                "synthetic-seg-%dx%d-c%d-s%d", d.images(), d.size(), d.classes(), config.seed()));
        Path done = data.resolve(".complete");
        if (!Files.exists(done)) {
            out.println("generating " + d.images() + " images with masks into " + data);
            out.flush();
            new SyntheticDataset(d.size(), d.classes(), config.seed()).write(data, SyntheticDataset.Layout.VOC,
                    d.images());
            Files.writeString(done, "");
        }
        return data;
    }

    private List<Item> load(Path data, String split, int max) throws IOException {
        try {
            return SegmentationBench.open(data, split, max, classes, config.dataset().size(),
                    Degradation.bicubic(config.scale())).items().stream().map(Item::new).toList();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (dataset.classes " + config.dataset().classes()
                    + ", dataset.size " + config.dataset().size() + ")", e);
        }
    }

    /** Adam on pixel CE of HR images, each mirrored with probability 1/2 (its mask with it). */
    private SegmentationReport.Curve trainSegmenter(SegmentationTaskNetwork fcn, List<Item> train) {
        SegmentationStudyConfig.Segmenter c = config.segmenter();
        SplittableRandom rng = new SplittableRandom(config.seed() + 10);
        List<double[]> points = new ArrayList<>();
        double sum = 0;
        int logEvery = Math.max(1, c.iterations() / 10);
        try (Optimizer opt = new Optimizer(fcn.parameters(), Optimizer.Settings.adam())) {
            for (int step = 1; step <= c.iterations(); step++) {
                List<Image> images = new ArrayList<>();
                List<SegmentationMask> masks = new ArrayList<>();
                for (int k = 0; k < c.batch(); k++) {
                    Item it = train.get(rng.nextInt(train.size()));
                    boolean flip = rng.nextBoolean();
                    images.add(flip ? it.hr.mirrored() : it.hr);
                    masks.add(flip ? it.mask.mirrored() : it.mask);
                }
                try (Scope sc = Scope.open()) {
                    fcn.parameters().zeroGrad();
                    sum += fcn.lossGradient(stack(images), masks, 1.0).loss().total(); // trainable: leaves its grads
                    opt.step(c.lr());
                }
                if (step % logEvery == 0) {
                    points.add(new double[] {step, sum / logEvery});
                    out.printf(Locale.ROOT, "  FCN   step %5d/%d  pixel CE %.4f%n", step, c.iterations(),
                            sum / logEvery);
                    out.flush();
                    sum = 0;
                }
            }
        }
        return new SegmentationReport.Curve("FCN (pixel CE)", points);
    }

    /**
     * Adam on {@code alpha * MSE(S(lr), hr)} plus, with {@code task} (frozen), {@code beta * pixel CE(task(S(lr)))}:
     * the gradient reaches S through the FCN's input as TDSR's does through the detector's.
     */
    private SegmentationReport.Curve trainSr(String name, Dbpn net, SegmentationTaskNetwork task, List<Item> train,
            int iterations, double lr, int batch, double alpha, double beta, TdsrObjective.Sr4ir sr4ir, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<double[]> points = new ArrayList<>();
        double mseSum = 0;
        double ceSum = 0;
        double percSum = 0;
        int logEvery = Math.max(1, iterations / 10);
        TdsrObjective<List<SegmentationMask>> objective = new TdsrObjective<>(net, task, alpha, beta, sr4ir);
        try (Optimizer opt = new Optimizer(net.parameters(), Optimizer.Settings.adam())) {
            for (int step = 1; step <= iterations; step++) {
                List<Image> hr = new ArrayList<>();
                List<Image> lrs = new ArrayList<>();
                List<SegmentationMask> masks = new ArrayList<>();
                for (int k = 0; k < batch; k++) {
                    Item it = train.get(rng.nextInt(train.size()));
                    hr.add(it.hr);
                    lrs.add(it.lr);
                    masks.add(it.mask);
                }
                try (Scope sc = Scope.open()) {
                    net.parameters().zeroGrad();
                    TdsrObjective.Parts p = objective.step(stack(lrs), stack(hr), masks, step);
                    mseSum += p.mse();
                    ceSum += p.task().total();
                    percSum += p.perceptual();
                    opt.step(lr);
                }
                if (step % logEvery == 0) {
                    points.add(new double[] {step, mseSum / logEvery});
                    out.printf(Locale.ROOT, "  %-5s step %5d/%d  MSE %.5f%s%n", name, step, iterations,
                            mseSum / logEvery, task == null ? ""
                                    : String.format(Locale.ROOT, "  pixel CE %.4f", ceSum / logEvery)
                                    + (sr4ir.perceptual() > 0 ? String.format(Locale.ROOT, "  perceptual %.5f",
                                            percSum / logEvery) : ""));
                    out.flush();
                    mseSum = 0;
                    ceSum = 0;
                    percSum = 0;
                }
            }
        }
        return new SegmentationReport.Curve(name + " (MSE)", points);
    }

    /** S's outputs of a batch's LR images, clamped to [0,1] as the detection study evaluates them. */
    private List<Image> upscale(Dbpn net, List<Item> batch, int side) {
        return SegmentationBench.upscale(net, batch.stream().map(Item::lr).toList(), side);
    }

    /** The FCN's per-pixel argmax of each input against its item's mask, one metrics object per image. */
    private List<SegmentationMetrics> segment(SegmentationTaskNetwork fcn, List<Image> inputs, List<Item> batch) {
        return SegmentationBench.segment(fcn, inputs, batch.stream().map(Item::mask).toList());
    }

    private Tensor stack(List<Image> images) {
        return SegmentationBench.stack(backend, images);
    }
}
