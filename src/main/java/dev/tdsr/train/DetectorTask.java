package dev.tdsr.train;

import dev.tdsr.data.Batch;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.models.TaskLoss;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The task network trained on the HR images with its own loss (SSD: ssd.pytorch's MultiBoxLoss, loc + conf, each
 * divided by N), through the {@link dev.tdsr.models.TaskNetwork} interface.
 */
final class DetectorTask implements Task {
    private final SsdTaskNetwork detector;

    DetectorTask(Ssd detector) {
        this.detector = new SsdTaskNetwork(detector);
        this.detector.setTrainable(true);
    }

    @Override
    public ParameterSet trained() {
        return detector.parameters();
    }

    @Override
    public StepLoss step(Tensor lr, Tensor hr, Batch batch, Schedule.Stage stage, long step, double rate) {
        TaskLoss v = detector.lossGradient(hr, TaskTargets.boxes(batch), 1).loss();
        return StepLoss.of(new TdsrObjective.Parts(0, v, 0, v.total()));
    }

    @Override
    public void save(Path dir) throws IOException {
        detector.save(dir); // with the dataset's class names (TrainingRun sets them)
    }
}
