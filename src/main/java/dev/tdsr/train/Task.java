package dev.tdsr.train;

import dev.tdsr.data.Batch;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What one kind of training computes in a step; the loop ({@link Trainer}) is shared. A step runs inside the loop's
 * {@link dev.tdsr.engine.Scope}, after the trained gradients were zeroed, and leaves d(loss)/d(params) in
 * {@link #trained()}'s gradient slab.
 */
interface Task {
    /** The parameters the optimizer updates. */
    ParameterSet trained();

    /**
     * Forward and backward of one batch ({@code lr}, {@code hr} its staged images; the task network's targets, boxes
     * or masks, are read from {@code batch} by {@link TaskTargets}); loss parts not computed by this task are 0.
     * {@code step} is the 0-based index of this update and {@code rate} its learning rate, for tasks that also update
     * networks of their own (SRGAN's discriminator) or draw per-step randomness (its crops) reproducibly.
     */
    StepLoss step(Tensor lr, Tensor hr, Batch batch, Schedule.Stage stage, long step, double rate);

    /**
     * Called after the optimizer took this step's update of {@link #trained()}: a task that also updates another
     * network from the same batch after S's update (SR4IR's alternating updates of T) does it here.
     */
    default void afterUpdate(Tensor lr, Tensor hr, Batch batch, Schedule.Stage stage, long step, double rate) {}

    /** Writes the trained model as a model folder ({@link ModelFiles}). */
    void save(Path dir) throws IOException;

    /** Writes what else a checkpoint must hold to continue exactly (SRGAN: the discriminator and its optimizer). */
    default void saveExtras(Path checkpoint) throws IOException {}

    /** Loads the trained model (and {@link #saveExtras}' files) of a checkpoint written by {@link #save}. */
    default void restore(Path checkpoint) throws IOException {
        Path weights = checkpoint.resolve(ModelFiles.WEIGHTS);
        ModelFiles.loadInto(trained(), dev.tdsr.io.Safetensors.read(weights), weights.toString());
    }
}
