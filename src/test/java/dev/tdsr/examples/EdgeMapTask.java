package dev.tdsr.examples;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.TaskLoss;
import dev.tdsr.models.TaskNetwork;
import dev.tdsr.nn.Conv2d;
import dev.tdsr.nn.Init;
import dev.tdsr.nn.ParameterSet;
import dev.tdsr.nn.ReLU;
import dev.tdsr.io.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A task network of one's own, as README's "Your own task network" shows: a two-layer convolutional regressor of a
 * one-channel map per image (an edge or saliency map, say), MSE against the target maps. T = the target maps
 * [N,1,H,W]. Copy it and swap in your own layers and loss.
 */
public final class EdgeMapTask implements TaskNetwork<Tensor> {
    static final String KIND = "edge-map-example";
    private final ParameterSet params = new ParameterSet();
    private final Conv2d conv1;
    private final ReLU relu = new ReLU();
    private final Conv2d conv2;

    public EdgeMapTask(Backend backend, DType dtype, long seed) {
        conv1 = new Conv2d(params, "conv1", 3, 4, 3, ConvSpec.of(1, 1), true, Init.xavierUniform(), Init.zeros());
        conv2 = new Conv2d(params, "conv2", 4, 1, 3, ConvSpec.of(1, 1), true, Init.xavierUniform(), Init.zeros());
        params.allocate(backend, dtype, seed);
    }

    /** Registers the loader, so {@code ModelFiles.loadTaskNetwork} reads folders this class saved. */
    public static void register() {
        ModelFiles.registerTaskNetwork(KIND, (dir, backend) -> {
            EdgeMapTask t = new EdgeMapTask(backend, DType.F32, 0);
            Path w = dir.resolve(ModelFiles.WEIGHTS);
            ModelFiles.loadInto(t.parameters(), Safetensors.read(w), w.toString());
            return t;
        });
    }

    @Override
    public String kind() {
        return "edge map";
    }

    @Override
    public List<Tensor> forward(Tensor images) {
        return List.of(conv2.forward(relu.forward(conv1.forward(images))));
    }

    @Override
    public TaskLoss loss(Tensor images, Tensor targets) {
        Tensor map = forward(images).get(0);
        double mse = map.backend().mseForward(map, targets);
        return new TaskLoss(mse, Map.of("map_mse", mse));
    }

    @Override
    public Gradient lossGradient(Tensor images, Tensor targets, double weight) {
        Tensor map = forward(images).get(0);
        Backend b = map.backend();
        double mse = b.mseForward(map, targets);
        Tensor dMap = b.allocate(map.dtype(), map.shape());
        b.mseBackward(map, targets, weight, dMap); // d(weight * mse)/d(map)
        Tensor dImages = conv1.backward(relu.backward(conv2.backward(dMap))); // params too, unless frozen
        return new Gradient(new TaskLoss(mse, Map.of("map_mse", mse)), dImages);
    }

    @Override
    public List<String> featureTaps() {
        return List.of("conv1");
    }

    @Override
    public Map<String, Tensor> features(Tensor images, List<String> taps) {
        if (!taps.equals(List.of("conv1"))) {
            throw new IllegalArgumentException("feature taps " + taps + ": this network has [conv1]");
        }
        return Map.of("conv1", relu.forward(conv1.forward(images)));
    }

    @Override
    public Tensor featuresBackward(Map<String, Tensor> dFeatures) {
        return conv1.backward(relu.backward(dFeatures.get("conv1")));
    }

    @Override
    public ParameterSet parameters() {
        return params;
    }

    @Override
    public void save(Path dir) throws IOException {
        ModelFiles.save(dir, "{\"model\": \"" + KIND + "\"}", params);
    }

    @Override
    public void close() {
        params.close();
    }
}
