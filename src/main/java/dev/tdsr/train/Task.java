package dev.tdsr.train;

import dev.tdsr.engine.Tensor;
import dev.tdsr.models.GroundTruth;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What one kind of training computes in a step; the loop ({@link Trainer}) is shared. A step runs inside the loop's
 * {@link dev.tdsr.engine.Scope}, after the trained gradients were zeroed, and leaves d(loss)/d(params) in
 * {@link #trained()}'s gradient slab.
 */
interface Task {
    /** The parameters the optimizer updates. */
    ParameterSet trained();

    /** Forward and backward of one batch; loss parts not computed by this task are 0. */
    TdsrObjective.Parts step(Tensor lr, Tensor hr, List<GroundTruth> boxes, Schedule.Stage stage);

    /** Writes the trained model as a model folder ({@link ModelFiles}). */
    void save(Path dir) throws IOException;
}
