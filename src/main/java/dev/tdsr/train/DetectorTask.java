package dev.tdsr.train;

import dev.tdsr.engine.Tensor;
import dev.tdsr.models.GroundTruth;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.MultiBoxLoss;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** SSD trained on the HR images with ssd.pytorch's MultiBoxLoss (loc + conf, each divided by N). */
final class DetectorTask implements Task {
    private final Ssd detector;
    private final MultiBoxLoss loss;

    DetectorTask(Ssd detector) {
        this.detector = detector;
        this.loss = new MultiBoxLoss(detector.priors(), detector.config().numClasses());
        detector.parameters().setRequiresGrad(true);
    }

    @Override
    public ParameterSet trained() {
        return detector.parameters();
    }

    @Override
    public StepLoss step(Tensor lr, Tensor hr, List<GroundTruth> boxes, Schedule.Stage stage, long step,
            double rate) {
        Ssd.Output out = detector.forward(hr);
        MultiBoxLoss.Assignment a = loss.assign(out.conf(), boxes);
        MultiBoxLoss.Value v = loss.value(a, out.loc(), out.conf());
        MultiBoxLoss.Gradients g = loss.backward(a, out.loc(), out.conf(), 1);
        detector.backward(g.dloc(), g.dconf());
        return StepLoss.of(new TdsrObjective.Parts(0, v.loc(), v.conf(), v.total()));
    }

    @Override
    public void save(Path dir) throws IOException {
        ModelFiles.save(dir, detector); // with the dataset's class names (TrainingRun sets them)
    }
}
