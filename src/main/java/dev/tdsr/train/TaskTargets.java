package dev.tdsr.train;

import dev.tdsr.data.Batch;
import dev.tdsr.data.SegmentationMask;
import dev.tdsr.models.GroundTruth;
import dev.tdsr.models.SegmentationTaskNetwork;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.models.TaskNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How the loop reads a task network's targets from a {@link Batch}: the boxes of detection, the class masks of
 * segmentation. A {@link TaskNetwork} of another kind brings its own reader ({@link #of} refuses it otherwise).
 *
 * @param <T> the task network's targets of one batch
 */
record TaskTargets<T>(TaskNetwork<T> network, Function<Batch, T> reader) {
    /** The boxes of each image of the batch (normalised x1, y1, x2, y2 repeated) with their labels. */
    static List<GroundTruth> boxes(Batch batch) {
        List<GroundTruth> boxes = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            float[] b = batch.boxes().get(i);
            double[] d = new double[b.length];
            for (int k = 0; k < b.length; k++) {
                d[k] = b[k];
            }
            boxes.add(new GroundTruth(d, batch.labels().get(i)));
        }
        return boxes;
    }

    /** The class mask of each image of the batch (a segmentation loader's batch). */
    static List<SegmentationMask> masks(Batch batch) {
        if (batch.masks() == null) {
            throw new IllegalStateException("segmentation task network: the batch carries no masks (its loader was "
                    + "not built for segmentation)");
        }
        return batch.masks();
    }

    T of(Batch batch) {
        return reader.apply(batch);
    }

    /** The built-in readers: boxes for {@link SsdTaskNetwork}, masks for {@link SegmentationTaskNetwork}. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static TaskTargets<?> of(TaskNetwork<?> network) {
        if (network instanceof SsdTaskNetwork d) {
            return new TaskTargets<>(d, TaskTargets::boxes);
        }
        if (network instanceof SegmentationTaskNetwork s) {
            return new TaskTargets<>(s, TaskTargets::masks);
        }
        throw new IllegalArgumentException("--detector/--task-network: the trainer reads the targets of detection "
                + "(boxes) and segmentation (masks) task networks, not of kind '" + network.kind() + "'; train S "
                + "through it with TdsrObjective in a loop of your own (README, \"Your own task network\")");
    }
}
