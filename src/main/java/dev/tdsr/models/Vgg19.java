package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.PoolSpec;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.Conv2d;
import dev.tdsr.nn.FixedChannelAffine;
import dev.tdsr.nn.Init;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.MaxPool2d;
import dev.tdsr.nn.ParameterSet;
import dev.tdsr.nn.ReLU;
import java.util.ArrayList;
import java.util.List;

/**
 * torchvision's {@code vgg19().features} up to the ReLU of conv5_4 (index 35), SRGAN's "VGG54" perceptual network
 * (Ledig et al. use phi_{5,4}). Parameter names as torchvision's state dict, {@code features.N.weight/bias}, N
 * counting ReLUs and pools, so an original {@code vgg19-*.pth} loads as it is (its {@code classifier.*} is not used).
 * Input: RGB in [0,1], normalised with ImageNet's mean and std as torchvision's models expect. Always frozen.
 */
public final class Vgg19 implements PerceptualNetwork, AutoCloseable {
    /** torchvision's cfg "E"; -1 = 2x2 max pool. The last pool (index 36) lies after relu5_4 and is not built. */
    private static final int[] CFG = {64, 64, -1, 128, 128, -1, 256, 256, 256, 256, -1, 512, 512, 512, 512, -1,
        512, 512, 512, 512};
    /** Index of relu5_4 in torchvision's features. */
    public static final int CONV5_4_RELU = 35;
    static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

    private final Vgg19Config config;
    private final ParameterSet params = new ParameterSet();
    private final FixedChannelAffine input = FixedChannelAffine.normalise(IMAGENET_MEAN, IMAGENET_STD);
    private final List<Layer> trunk = new ArrayList<>();

    public Vgg19(Vgg19Config config, Backend backend, DType dtype, long seed) {
        this.config = config;
        int in = 3;
        for (int c : CFG) {
            if (c < 0) {
                trunk.add(new MaxPool2d(PoolSpec.of(2, 2, 0, false)));
            } else {
                int out = config.ch(c);
                trunk.add(Conv2d.withDefaults(params, "features." + trunk.size(), in, out, 3, ConvSpec.of(1, 1)));
                trunk.add(new ReLU());
                in = out;
            }
        }
        params.allocate(backend, dtype, seed);
        params.setRequiresGrad(false);
    }

    public Vgg19Config config() {
        return config;
    }

    @Override
    public ParameterSet parameters() {
        return params;
    }

    @Override
    public Tensor features(Tensor image) {
        Tensor x = input.forward(image);
        for (Layer l : trunk) {
            x = l.forward(x);
        }
        return x;
    }

    @Override
    public Tensor featuresBackward(Tensor dFeatures) {
        Tensor g = dFeatures;
        for (int i = trunk.size() - 1; i >= 0; i--) {
            g = trunk.get(i).backward(g);
        }
        return input.backward(g);
    }

    @Override
    public String describe() {
        return "VGG19 up to relu5_4" + (config.width() == 1 ? "" : " (width " + config.width() + ")");
    }

    @Override
    public void close() {
        params.close();
        input.close();
    }
}
