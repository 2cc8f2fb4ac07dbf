package dev.tdsr.models;

import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A differentiable task network T behind the SR network S: what task-driven training ({@link TdsrObjective}, the SR4IR
 * objectives) needs from a detector, a segmenter or a classifier. {@code T} is the type of one batch's targets
 * (detection: {@code List<GroundTruth>}, one per image).
 *
 * <p>Images are [N,3,H,W] in S's output range (RGB, [0,1]); the network maps them to its own input itself. Like the
 * layers ({@link dev.tdsr.nn.Layer}), a call keeps what its backward needs: {@link #lossGradient} and
 * {@link #featuresBackward} differentiate the last forward of their kind, so call them inside one
 * {@link dev.tdsr.engine.Scope} per step. Gradients w.r.t. the images are new tensors; parameter gradients
 * ACCUMULATE into {@link #parameters()}'s gradient slab, and only while the network is {@link #trainable()}.
 *
 * <p>{@link SsdTaskNetwork} (SSD300 + MultiBoxLoss) is the built-in implementation; README ("Your own task network")
 * shows how to add one.
 */
public interface TaskNetwork<T> extends AutoCloseable {
    /** The loss value with the gradient of {@code weight * loss} w.r.t. the input images ([N,3,H,W], a new tensor). */
    record Gradient(TaskLoss loss, Tensor dImages) {}

    /** What kind of task this is ("detection", "segmentation", ...): for messages and model.json. */
    String kind();

    /** The network's raw outputs for {@code images} (detection: loc [N,P,4], conf [N,P,C]). */
    List<Tensor> forward(Tensor images);

    /** The loss of {@code images} against {@code targets}, without gradients. */
    TaskLoss loss(Tensor images, T targets);

    /**
     * Forward, loss and backward: d(weight * loss)/d(images); when {@link #trainable()} the parameter gradients of
     * {@code weight * loss} also accumulate into {@link #parameters()}'s gradient slab.
     */
    Gradient lossGradient(Tensor images, T targets, double weight);

    /** Names of the feature maps {@link #features} can return, shallow to deep (empty: no perceptual loss). */
    List<String> featureTaps();

    /**
     * The feature maps at {@code taps} (names from {@link #featureTaps}) for {@code images}, in one forward that
     * stops at the deepest of them. {@link #featuresBackward} differentiates the last call.
     */
    Map<String, Tensor> features(Tensor images, List<String> taps);

    /**
     * The image gradient of the last {@link #features} call, given a gradient for some of its taps (taps not named
     * get 0); parameter gradients accumulate only when {@link #trainable()}.
     */
    Tensor featuresBackward(Map<String, Tensor> dFeatures);

    /** All parameters (one slab, see {@link ParameterSet}). */
    ParameterSet parameters();

    /** Whether a backward leaves parameter gradients (false: frozen, as TDSR's detector). */
    default boolean trainable() {
        return parameters().requiresGrad();
    }

    /** Freezes ({@code false}) or unfreezes the parameters. */
    default void setTrainable(boolean trainable) {
        parameters().setRequiresGrad(trainable);
    }

    /** Writes the network as a model folder ({@link ModelFiles}: model.json + weights.safetensors). */
    void save(Path dir) throws IOException;

    /** Frees the parameters. */
    @Override
    void close();
}
