package dev.tdsr.train;

import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.GroundTruth;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * S (D-DBPN) trained with each stage's {@code alpha * MSE + beta * L_task} through the frozen detector
 * ({@link TdsrObjective}); without a detector (SR pretraining) only MSE, and a stage with beta > 0 is refused.
 * Only S's parameters are trained; the detector's gradient slab is never touched.
 */
final class SrTask implements Task {
    private final Dbpn sr;
    private final Ssd detector;
    private final Map<Schedule.Stage, TdsrObjective> objectives = new HashMap<>();

    SrTask(Dbpn sr, Ssd detector) {
        this.sr = sr;
        this.detector = detector;
        if (detector != null) {
            detector.parameters().setRequiresGrad(false);
        }
    }

    @Override
    public ParameterSet trained() {
        return sr.parameters();
    }

    @Override
    public StepLoss step(Tensor lr, Tensor hr, List<GroundTruth> boxes, Schedule.Stage stage, long step,
            double rate) {
        if (detector == null && stage.beta() != 0) {
            throw new IllegalStateException("stage " + stage + " has beta > 0 but no detector was given");
        }
        return StepLoss.of(objectives.computeIfAbsent(stage, s -> new TdsrObjective(sr, detector, s.alpha(),
                s.beta())).step(lr, hr, boxes));
    }

    @Override
    public void save(Path dir) throws IOException {
        ModelFiles.save(dir, sr);
    }
}
