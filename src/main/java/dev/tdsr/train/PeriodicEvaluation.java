package dev.tdsr.train;

import dev.tdsr.eval.SegmentationBench;
import dev.tdsr.eval.TestBench;
import dev.tdsr.eval.VocEvaluator;
import dev.tdsr.models.SegmentationTaskNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The evaluation a run does every {@code evalEvery} steps on the first {@code evalImages} images of the test split
 * ({@code evalSplit}; default {@code test}, or {@code val2017} for COCO) of its data (or of {@code evalData}), with the
 * task's own metric through a per-task {@link Scorer}. Detection: the detector mode scores the detector on HR images
 * (VOC07 mAP, COCO AP), the sr mode S's PSNR, the tdsr mode both, with the detector reading S's output; logged as
 * {@code {"step": s, "eval": {"psnr_y": .., "psnr_rgb": .., "map07": .., "coco_ap": ..}}}. Segmentation (tdsr through
 * the FCN): S's PSNR-Y and the FCN's mIoU and pixel accuracy on S's output, {@code {"psnr_y", "miou", "pixel_acc"}}.
 * An alternating run's T is the one being trained, so it is scored with its current weights.
 */
public final class PeriodicEvaluation implements Evaluation {
    /** Segmentation's metrics in metrics.jsonl. */
    public static final String MIOU = "miou";
    public static final String PIXEL_ACC = "pixel_acc";

    /** One task's score of the run's current networks. */
    @FunctionalInterface
    interface Scorer {
        Map<String, Object> score(RunModels models);
    }

    private final Scorer scorer;

    private PeriodicEvaluation(Scorer scorer) {
        this.scorer = scorer;
    }

    /**
     * Opens the test images once (a missing split is an error before any training step); the task network of
     * {@code models} chooses the task's scorer.
     */
    public static PeriodicEvaluation of(TrainConfig c, RunModels models) throws IOException {
        Path root = Path.of(c.evalData() != null ? c.evalData() : c.data());
        boolean segmentation = models.task() instanceof SegmentationTaskNetwork;
        String split = c.evalSplit() != null ? c.evalSplit()
                : Files.isDirectory(root.resolve("annotations")) ? "val2017" : "test";
        try {
            if (segmentation) {
                if (c.evalLrDir() != null) {
                    throw new IllegalArgumentException("evalLrDir: a segmentation run evaluates on LR made by the "
                            + "degradation (" + c.degradation() + "), not on LR files");
                }
                SegmentationTaskNetwork net = (SegmentationTaskNetwork) models.task();
                SegmentationBench bench = SegmentationBench.open(root, split, c.evalImages(),
                        net.fcn().config().classes(), c.hrSide(), c.degradationValue());
                return new PeriodicEvaluation(m -> segmentation(bench, m));
            }
            TestBench bench = TestBench.open(root, split, c.evalImages(), c.ssdInput(), c.evalLrSourceValue(),
                    c.seed());
            return new PeriodicEvaluation(m -> detection(bench, m));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--eval-every: cannot open the evaluation images (split '" + split
                    + "' of " + root + "; choose one with --eval-data/--eval-split): " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Object> evaluate(long step, RunModels models) {
        if (models.sr() != null) {
            models.sr().setTraining(false); // batch norm's running statistics, as at test time
        }
        try {
            return scorer.score(models);
        } finally {
            if (models.sr() != null) {
                models.sr().setTraining(true);
            }
        }
    }

    private static Map<String, Object> detection(TestBench bench, RunModels models) {
        TestBench.Input input = models.sr() == null ? TestBench.Input.HR : TestBench.Input.SR;
        TestBench.Score s = bench.score(input, models.sr(), models.detector(), 0, VocEvaluator.Options.VOC_EVAL);
        Map<String, Object> out = new LinkedHashMap<>();
        if (s.psnrY() != null) {
            out.put(MetricsLog.PSNR_Y, s.psnrY());
            out.put(MetricsLog.PSNR_RGB, s.psnrRgb());
        }
        if (s.voc() != null) {
            out.put(MetricsLog.MAP07, s.voc().map07());
            out.put(MetricsLog.COCO_AP, s.coco().ap());
        }
        return out;
    }

    private static Map<String, Object> segmentation(SegmentationBench bench, RunModels models) {
        SegmentationBench.Score s = bench.score(models.sr(), (SegmentationTaskNetwork) models.task());
        Map<String, Object> out = new LinkedHashMap<>();
        if (s.psnrY() != null) {
            out.put(MetricsLog.PSNR_Y, s.psnrY());
        }
        out.put(MIOU, s.meanIou());
        out.put(PIXEL_ACC, s.pixelAccuracy());
        return out;
    }
}
