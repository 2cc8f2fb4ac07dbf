package dev.tdsr.train;

import dev.tdsr.eval.TestBench;
import dev.tdsr.eval.VocEvaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The evaluation a run does every {@code evalEvery} steps on the first {@code evalImages} images of the test split
 * ({@code evalSplit}; default {@code test}, or {@code val2017} for COCO) of its data (or of {@code evalData}): the detector mode scores the
 * detector on HR images (VOC07 mAP, COCO AP), the sr mode S's PSNR, the tdsr mode both, with the detector reading
 * S's output. Logged as {@code {"step": s, "eval": {"psnr_y": .., "psnr_rgb": .., "map07": .., "coco_ap": ..}}}.
 */
public final class PeriodicEvaluation implements Evaluation {
    private final TestBench bench;

    private PeriodicEvaluation(TestBench bench) {
        this.bench = bench;
    }

    /** Opens the test images once (a missing split is an error before any training step). */
    public static PeriodicEvaluation of(TrainConfig c) throws IOException {
        Path root = Path.of(c.evalData() != null ? c.evalData() : c.data());
        String split = c.evalSplit() != null ? c.evalSplit()
                : Files.isDirectory(root.resolve("annotations")) ? "val2017" : "test";
        try {
            return new PeriodicEvaluation(TestBench.open(root, split, c.evalImages(), c.ssdInput(),
                    c.evalLrSourceValue(), c.seed()));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--eval-every: cannot open the evaluation images (split '" + split
                    + "' of " + root + "; choose one with --eval-data/--eval-split): " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Object> evaluate(long step, RunModels models) {
        TestBench.Input input = models.sr() == null ? TestBench.Input.HR : TestBench.Input.SR;
        if (models.sr() != null) {
            models.sr().setTraining(false); // batch norm's running statistics, as at test time
        }
        TestBench.Score s;
        try {
            s = bench.score(input, models.sr(), models.detector(), 0, VocEvaluator.Options.VOC_EVAL);
        } finally {
            if (models.sr() != null) {
                models.sr().setTraining(true);
            }
        }
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
}
