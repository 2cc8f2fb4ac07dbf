package dev.tdsr.train;

import dev.tdsr.data.Batch;
import dev.tdsr.engine.Tensor;
import dev.tdsr.io.Safetensors;
import dev.tdsr.io.WeightFormatException;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.PatchMix;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.models.TaskNetwork;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * S (D-DBPN) trained with each stage's {@code alpha * MSE + beta * L_task} through the task network T
 * ({@link TdsrObjective}, plus SR4IR's objectives when set); without a task network (SR pretraining) only MSE, and a
 * stage with beta > 0 is refused. S's step never touches T's gradient slab.
 *
 * <p>With {@code alternate} (SR4IR's third idea) each task-driven step (beta > 0) is followed, after S's update, by one
 * update of T with its own optimizer on the sum of its task losses of the HR images, of the updated S's output
 * (detached: no gradient reaches S) and, with the patch mix on, of the step's mixed images; T is frozen again for
 * S's next step. T and its optimizer state then travel in the checkpoints ({@link #TASK_NETWORK}, {@link
 * #TASK_OPTIMIZER}) and the final model folder, so a resumed run repeats the uninterrupted one.
 *
 * @param <T> the task network's targets of one batch
 */
final class SrTask<T> implements Task {
    /** The trained T's model folder inside a checkpoint or final/ (alternating runs only). */
    static final String TASK_NETWORK = Trainer.TASK_NETWORK;
    static final String TASK_OPTIMIZER = "task-network-optimizer.safetensors";
    private final Dbpn sr;
    private final TaskTargets<T> targets;
    private final TdsrObjective.Sr4ir sr4ir;
    private final Optimizer taskOptimizer;
    private final double taskLrFactor;
    private final Map<Schedule.Stage, TdsrObjective<T>> objectives = new HashMap<>();

    /**
     * {@code targets} null: no task network (MSE only). {@code taskSettings} non-null: alternate S's updates with T's,
     * T's lr being S's scheduled lr times {@code taskLrFactor} (so it follows S's warm-up and decay).
     */
    SrTask(Dbpn sr, TaskTargets<T> targets, TdsrObjective.Sr4ir sr4ir, Optimizer.Settings taskSettings,
            double taskLrFactor) {
        if (taskSettings != null && targets == null) {
            throw new IllegalArgumentException("alternating updates of T need a task network (--detector DIR)");
        }
        this.sr = sr;
        this.targets = targets;
        this.sr4ir = sr4ir;
        this.taskLrFactor = taskLrFactor;
        if (targets != null) {
            targets.network().setTrainable(false);
        }
        this.taskOptimizer = taskSettings == null ? null : new Optimizer(targets.network().parameters(), taskSettings);
    }

    SrTask(Dbpn sr, TaskTargets<T> targets, TdsrObjective.Sr4ir sr4ir) {
        this(sr, targets, sr4ir, null, 0);
    }

    @Override
    public ParameterSet trained() {
        return sr.parameters();
    }

    private TaskNetwork<T> network() {
        return targets == null ? null : targets.network();
    }

    @Override
    public StepLoss step(Tensor lr, Tensor hr, Batch batch, Schedule.Stage stage, long step, double rate) {
        if (targets == null && stage.beta() != 0) {
            throw new IllegalStateException("stage " + stage + " has beta > 0 but no detector was given");
        }
        // SR4IR's objectives join the task-driven stages only (beta > 0): SR pretraining and SR-FT stay MSE
        TdsrObjective<T> objective = objectives.computeIfAbsent(stage, s -> new TdsrObjective<>(sr, network(),
                s.alpha(), s.beta(), s.beta() != 0 ? sr4ir : TdsrObjective.Sr4ir.NONE));
        return StepLoss.of(objective.step(lr, hr, targets == null ? null : targets.of(batch), step));
    }

    /** One update of T after S's (alternating runs, task-driven stages only). */
    @Override
    public void afterUpdate(Tensor lr, Tensor hr, Batch batch, Schedule.Stage stage, long step, double rate) {
        if (taskOptimizer == null || stage.beta() == 0) {
            return;
        }
        TaskNetwork<T> t = targets.network();
        T target = targets.of(batch);
        Tensor out = TdsrObjective.cropTo(sr.forward(lr), hr.dim(2), hr.dim(3)); // the updated S; S is not backwarded
        t.setTrainable(true);
        try {
            t.parameters().zeroGrad();
            double loss = t.lossGradient(hr, target, 1).loss().total();
            loss += t.lossGradient(out, target, 1).loss().total();
            if (sr4ir.patchMixGrid() > 0) {
                PatchMix mix = PatchMix.draw(sr4ir.seed(), step, (int) out.dim(0), sr4ir.patchMixGrid());
                loss += t.lossGradient(mix.mix(out, hr), target, 1).loss().total();
            }
            if (Double.isFinite(loss)) {
                taskOptimizer.guardedStep(rate * taskLrFactor);
            }
            if (!Double.isFinite(loss) || !taskOptimizer.lastStepTaken()) {
                throw new DivergenceException(String.format(Locale.ROOT, "step %d: the task network's update "
                        + "(alternating) is not finite (task loss %s); T was not updated. Try a lower taskLr "
                        + "(--task-lr).", step + 1, loss));
            }
        } finally {
            t.setTrainable(false);
        }
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
        if (taskOptimizer != null) {
            throw new IllegalArgumentException("cudaGraph: alternating updates of the task network are not captured; "
                    + "leave the flag off");
        }
        TaskNetwork<T> taskNetwork = network();
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
        if (taskOptimizer != null) {
            targets.network().save(dir.resolve(TASK_NETWORK)); // the trained T beside S
        }
    }

    @Override
    public void saveExtras(Path checkpoint) throws IOException {
        if (taskOptimizer != null) {
            taskOptimizer.write(checkpoint.resolve(TASK_OPTIMIZER));
        }
    }

    @Override
    public void restore(Path checkpoint) throws IOException {
        Task.super.restore(checkpoint);
        if (taskOptimizer == null) {
            return;
        }
        Path weights = checkpoint.resolve(TASK_NETWORK).resolve(ModelFiles.WEIGHTS);
        Path o = checkpoint.resolve(TASK_OPTIMIZER);
        if (!Files.exists(weights) && !Files.exists(o)) {
            // a checkpoint of a run that did not alternate: Trainer.branch lets an alternating run continue one only
            // when the shared steps all had beta 0, where T is not updated: T keeps its start weights, its optimizer
            // starts fresh (an alternating run's own checkpoints always hold both)
            return;
        }
        if (!Files.isRegularFile(weights) || !Files.isRegularFile(o)) {
            throw new WeightFormatException(checkpoint + ": an alternating run's checkpoint holds both "
                    + TASK_NETWORK + "/" + ModelFiles.WEIGHTS + " and " + TASK_OPTIMIZER + "; one of them is missing");
        }
        ModelFiles.loadInto(targets.network().parameters(), Safetensors.read(weights), weights.toString());
        taskOptimizer.read(o);
    }

    /** Frees T's optimizer state (S and T belong to the run's models). */
    void close() {
        if (taskOptimizer != null) {
            taskOptimizer.close();
        }
    }
}
