package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.PoolSpec;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.Conv2d;
import dev.tdsr.nn.ConvTranspose2d;
import dev.tdsr.nn.Init;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.MaxPool2d;
import dev.tdsr.nn.ParameterSet;
import dev.tdsr.nn.ReLU;
import dev.tdsr.nn.Sequential;
import java.util.List;

/**
 * A small FCN-style segmentation network (Long et al., FCN-32s in miniature): an RGB image [N,3,H,W] in [0,1] ->
 * class logits [N,K,H,W]. Two conv-ReLU blocks each ending in a 2x2 max pool (H/4), two more 3x3 conv-ReLUs, a 1x1
 * classifier, and one transposed conv (kernel 8, stride 4, padding 2) back to the input size, initialised to bilinear
 * interpolation as FCN does and trained. Names: {@code conv1..conv4}, {@code classifier}, {@code upsample}.
 */
public final class Fcn implements Layer, AutoCloseable {
    private final FcnConfig config;
    private final ParameterSet params = new ParameterSet();
    private final Sequential encoder;
    private final Sequential head;

    public Fcn(FcnConfig config, Backend backend, DType dtype, long seed) {
        this.config = config;
        int w = config.width();
        int k = config.classes();
        ConvSpec same = ConvSpec.of(1, 1);
        PoolSpec pool = PoolSpec.of(2, 2, 0, false);
        encoder = new Sequential(List.of(
                Conv2d.withDefaults(params, "conv1", 3, w, 3, same), new ReLU(),
                Conv2d.withDefaults(params, "conv2", w, w, 3, same), new ReLU(), new MaxPool2d(pool),
                Conv2d.withDefaults(params, "conv3", w, 2 * w, 3, same), new ReLU(), new MaxPool2d(pool),
                Conv2d.withDefaults(params, "conv4", 2 * w, 2 * w, 3, same), new ReLU()));
        head = new Sequential(List.of(
                Conv2d.withDefaults(params, "classifier", 2 * w, k, 1, ConvSpec.of(1, 0)),
                new ConvTranspose2d(params, "upsample", k, k, 8, ConvSpec.of(4, 2), true, bilinear(),
                        Init.zeros())));
        params.allocate(backend, dtype, seed);
    }

    /** FCN's upsampling init: a bilinear kernel from each class to itself, zero across classes. */
    static Init bilinear() {
        return (values, shape, rnd) -> {
            int in = (int) shape[0];
            int out = (int) shape[1];
            int size = (int) shape[2];
            int factor = (size + 1) / 2;
            double center = size % 2 == 1 ? factor - 1 : factor - 0.5;
            for (int i = 0; i < in; i++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        double v = (1 - Math.abs(y - center) / factor) * (1 - Math.abs(x - center) / factor);
                        if (i < out) {
                            values[((i * out + i) * size + y) * size + x] = v;
                        }
                    }
                }
            }
        };
    }

    public FcnConfig config() {
        return config;
    }

    public ParameterSet parameters() {
        return params;
    }

    /** The encoder's layers in order (conv1, ReLU, conv2, ReLU, pool, conv3, ReLU, pool, conv4, ReLU): feature taps. */
    public List<Layer> encoderLayers() {
        return encoder.layers();
    }

    @Override
    public Tensor forward(Tensor image) {
        if (image.ndim() != 4 || image.dim(1) != 3 || image.dim(2) % 4 != 0 || image.dim(3) % 4 != 0) {
            throw new IllegalArgumentException("Fcn input " + image + ": expected [N,3,H,W] with H and W divisible by 4");
        }
        return head.forward(encoder.forward(image));
    }

    @Override
    public Tensor backward(Tensor dlogits) {
        return encoder.backward(head.backward(dlogits));
    }

    @Override
    public void close() {
        params.close();
    }
}
