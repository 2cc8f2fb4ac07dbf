package dev.tdsr.train;

import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.GroundTruth;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.models.TaskNetwork;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * S (D-DBPN) trained with each stage's {@code alpha * MSE + beta * L_task} through the frozen task network
 * ({@link TdsrObjective}, plus SR4IR's objectives when set); without a task network (SR pretraining) only MSE, and a
 * stage with beta > 0 is refused. Only S's parameters are trained; the task network's gradient slab is never touched.
 */
final class SrTask implements Task {
    private final Dbpn sr;
    private final TaskNetwork<List<GroundTruth>> taskNetwork;
    private final TdsrObjective.Sr4ir sr4ir;
    private final Map<Schedule.Stage, TdsrObjective<List<GroundTruth>>> objectives = new HashMap<>();

    SrTask(Dbpn sr, TaskNetwork<List<GroundTruth>> taskNetwork, TdsrObjective.Sr4ir sr4ir) {
        this.sr = sr;
        this.taskNetwork = taskNetwork;
        this.sr4ir = sr4ir;
        if (taskNetwork != null) {
            taskNetwork.setTrainable(false);
        }
    }

    @Override
    public ParameterSet trained() {
        return sr.parameters();
    }

    @Override
    public StepLoss step(Tensor lr, Tensor hr, List<GroundTruth> boxes, Schedule.Stage stage, long step,
            double rate) {
        if (taskNetwork == null && stage.beta() != 0) {
            throw new IllegalStateException("stage " + stage + " has beta > 0 but no detector was given");
        }
        // SR4IR's objectives join the task-driven stages only (beta > 0): SR pretraining and SR-FT stay MSE
        return StepLoss.of(objectives.computeIfAbsent(stage, s -> new TdsrObjective<>(sr, taskNetwork, s.alpha(),
                s.beta(), s.beta() != 0 ? sr4ir : TdsrObjective.Sr4ir.NONE)).step(lr, hr, boxes, step));
    }

    /**
     * This task's step as a {@link CapturedStep} for batches of that size (--cuda-graph). The detector must be the
     * built-in SSD (its matching results go through static buffers) and SR4IR's objectives off (the patch mix is drawn
     * on the host every step; TrainConfig refuses both).
     */
    CapturedStep captured(Optimizer optimizer, int batch, long lrHeight, long lrWidth, long hrSize,
            CapturedStep.Recorder recorder) {
        if (sr4ir.active()) {
            throw new IllegalArgumentException("cudaGraph: SR4IR's objectives are not captured; leave the flag off");
        }
        SsdTaskNetwork detection = null;
        if (taskNetwork != null) {
            if (!(taskNetwork instanceof SsdTaskNetwork d)) {
                throw new IllegalArgumentException("cudaGraph: the captured step knows the detection task network "
                        + "only, not " + taskNetwork.kind());
            }
            detection = d;
        }
        return new CapturedStep(sr, detection, optimizer, batch, lrHeight, lrWidth, hrSize, recorder);
    }

    @Override
    public void save(Path dir) throws IOException {
        ModelFiles.save(dir, sr);
    }
}
