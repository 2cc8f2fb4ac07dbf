package dev.tdsr.models;

import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SSD300 with ssd.pytorch's MultiBoxLoss as a {@link TaskNetwork}: the detector D of TDSR. The loss is loc + conf
 * (each divided by the positives, parts {@code loc} and {@code conf}); matching and hard-negative mining are a
 * constant of the backward ({@link MultiBoxLoss#assign}). Feature taps are the ReLU outputs of the VGG16 base:
 * {@code conv1_2, conv2_2, conv3_3, conv4_3, conv5_3} and {@code fc7} (conv7), the last two before the extras.
 *
 * <p>This wraps {@link Ssd} without owning more than it: {@link #close} frees the detector's parameters.
 */
public final class SsdTaskNetwork implements TaskNetwork<List<GroundTruth>> {
    /** Tap name -> trunk index (the ReLU after that convolution). */
    private static final Map<String, Integer> TAPS = new LinkedHashMap<>();

    static {
        TAPS.put("conv1_2", 3);
        TAPS.put("conv2_2", 8);
        TAPS.put("conv3_3", 15);
        TAPS.put("conv4_3", 22);
        TAPS.put("conv5_3", Ssd.CONV5_3_RELU);
        TAPS.put("fc7", Ssd.FC7_RELU);
    }

    private final Ssd ssd;
    private final MultiBoxLoss loss;
    private MultiBoxLoss.Assignment lastAssignment;
    private MultiBoxLoss.Assignment fixed;
    private List<String> lastTaps = List.of();
    private int[] lastLayers = new int[0];

    public SsdTaskNetwork(Ssd ssd) {
        this.ssd = ssd;
        this.loss = new MultiBoxLoss(ssd.priors(), ssd.config().numClasses());
    }

    /** The wrapped detector (evaluation and the detection API use it directly). */
    public Ssd ssd() {
        return ssd;
    }

    @Override
    public String kind() {
        return "detection";
    }

    @Override
    public List<Tensor> forward(Tensor images) {
        Ssd.Output out = ssd.forward(images);
        return List.of(out.loc(), out.conf());
    }

    @Override
    public TaskLoss loss(Tensor images, List<GroundTruth> targets) {
        Ssd.Output out = ssd.forward(images);
        MultiBoxLoss.Assignment a = fixed != null ? fixed : loss.assign(out.conf(), targets);
        return of(loss.value(a, out.loc(), out.conf()));
    }

    @Override
    public Gradient lossGradient(Tensor images, List<GroundTruth> targets, double weight) {
        Ssd.Output out = ssd.forward(images);
        lastAssignment = loss.assign(out.conf(), targets);
        MultiBoxLoss.Value v = loss.value(lastAssignment, out.loc(), out.conf());
        MultiBoxLoss.Gradients g = loss.backward(lastAssignment, out.loc(), out.conf(), weight);
        return new Gradient(of(v), ssd.backward(g.dloc(), g.dconf()));
    }

    private static TaskLoss of(MultiBoxLoss.Value v) {
        return taskLoss(v.loc(), v.conf());
    }

    /** The task loss of detection from its two parts (each already divided by N). */
    public static TaskLoss taskLoss(double loc, double conf) {
        LinkedHashMap<String, Double> parts = new LinkedHashMap<>();
        parts.put("loc", loc);
        parts.put("conf", conf);
        return new TaskLoss(loc + conf, parts);
    }

    /** Static device buffers for the matching results of a captured step of {@code images} images. */
    public MultiBoxLoss.DeviceTargets deviceTargets(int images) {
        Tensor slab = ssd.parameters().slab();
        return loss.deviceTargets(slab.backend(), slab.dtype(), images);
    }

    /**
     * {@link #lossGradient} for a captured step: targets from static buffers loaded before the step, the loss sums
     * and label flags into {@code slots} from {@code at} ({@link MultiBoxLoss#lossGradient(MultiBoxLoss.DeviceTargets,
     * Tensor, Tensor, Tensor, Tensor, int)}), the image gradient of {@code factor[0] * (loc + conf) sums}.
     */
    public Tensor lossGradient(Tensor images, MultiBoxLoss.DeviceTargets targets, Tensor factor, Tensor slots, int at) {
        Ssd.Output out = ssd.forward(images);
        MultiBoxLoss.Gradients g = loss.lossGradient(targets, out.loc(), out.conf(), factor, slots, at);
        return ssd.backward(g.dloc(), g.dconf());
    }

    /** The matching and mined negatives of the last {@link #lossGradient}. */
    public MultiBoxLoss.Assignment lastAssignment() {
        return lastAssignment;
    }

    /**
     * Makes {@link #loss} use {@code a} instead of matching and mining again (null: match again), so finite
     * differences perturb the loss with the selection frozen at the unperturbed point.
     */
    public void fixAssignment(MultiBoxLoss.Assignment a) {
        this.fixed = a;
    }

    @Override
    public List<String> featureTaps() {
        return List.copyOf(TAPS.keySet());
    }

    @Override
    public Map<String, Tensor> features(Tensor images, List<String> taps) {
        List<String> ordered = new ArrayList<>();
        for (String t : TAPS.keySet()) {
            if (taps.contains(t)) {
                ordered.add(t);
            }
        }
        for (String t : taps) {
            if (!TAPS.containsKey(t)) {
                throw new IllegalArgumentException("feature tap '" + t + "': the detection network has "
                        + String.join(", ", TAPS.keySet()));
            }
        }
        if (ordered.isEmpty()) {
            throw new IllegalArgumentException("features: name at least one tap of " + TAPS.keySet());
        }
        int[] layers = ordered.stream().mapToInt(TAPS::get).toArray();
        Tensor[] maps = ssd.features(images, layers);
        lastTaps = ordered;
        lastLayers = layers;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int k = 0; k < maps.length; k++) {
            out.put(ordered.get(k), maps[k]);
        }
        return out;
    }

    @Override
    public Tensor featuresBackward(Map<String, Tensor> dFeatures) {
        for (String t : dFeatures.keySet()) {
            if (!lastTaps.contains(t)) {
                throw new IllegalArgumentException("featuresBackward: tap '" + t + "' was not computed by the last "
                        + "features call " + lastTaps);
            }
        }
        Tensor[] d = new Tensor[lastLayers.length];
        for (int k = 0; k < d.length; k++) {
            d[k] = dFeatures.get(lastTaps.get(k));
        }
        return ssd.featuresBackward(d, lastLayers);
    }

    @Override
    public ParameterSet parameters() {
        return ssd.parameters();
    }

    @Override
    public void save(Path dir) throws IOException {
        ModelFiles.save(dir, ssd);
    }

    @Override
    public void close() {
        ssd.close();
    }
}
