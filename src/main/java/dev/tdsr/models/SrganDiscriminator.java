package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.BatchNorm;
import dev.tdsr.nn.Conv2d;
import dev.tdsr.nn.Init;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.LeakyReLU;
import dev.tdsr.nn.Linear;
import dev.tdsr.nn.ParameterSet;
import dev.tdsr.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * The SRGAN discriminator (Ledig et al., Fig. 4): an RGB crop [N,3,crop,crop] in [0,1] -> one logit per image [N,1]
 * (the sigmoid is in the loss, {@code bce_logits}). Eight 3x3 convolutions (c, c, 2c, 2c, 4c, 4c, 8c, 8c channels,
 * strides 1, 2, 1, 2, ...), LeakyReLU 0.2 after each, batch norm after all but the first; dense(1024), LeakyReLU,
 * dense(1). Names: {@code features.i.conv}, {@code features.i.bn}, {@code dense1}, {@code dense2}.
 */
public final class SrganDiscriminator implements Layer, AutoCloseable {
    public static final double SLOPE = 0.2;
    private final DiscriminatorConfig config;
    private final ParameterSet params = new ParameterSet();
    private final ParameterSet buffers = new ParameterSet();
    private final List<BatchNorm> norms = new ArrayList<>();
    private final Sequential net;

    public SrganDiscriminator(DiscriminatorConfig config, Backend backend, DType dtype, long seed) {
        this.config = config;
        List<Layer> layers = new ArrayList<>();
        int in = 3;
        int[] ch = config.convChannels();
        for (int i = 0; i < ch.length; i++) {
            String name = "features." + i;
            Init u = Init.pytorchDefault(9L * in);
            ConvSpec spec = ConvSpec.of(DiscriminatorConfig.stride(i), 1);
            layers.add(new Conv2d(params, name + ".conv", in, ch[i], 3, spec, i == 0, u, u));
            if (i > 0) {
                BatchNorm n = new BatchNorm(params, buffers, name + ".bn", ch[i]);
                norms.add(n);
                layers.add(n);
            }
            layers.add(new LeakyReLU(SLOPE));
            in = ch[i];
        }
        layers.add(new Linear(params, "dense1", Math.toIntExact(config.flattened()), config.dense()));
        layers.add(new LeakyReLU(SLOPE));
        layers.add(new Linear(params, "dense2", config.dense(), 1));
        net = new Sequential(layers);
        params.allocate(backend, dtype, seed);
        buffers.allocate(backend, dtype, seed);
        buffers.setRequiresGrad(false);
    }

    public DiscriminatorConfig config() {
        return config;
    }

    public ParameterSet parameters() {
        return params;
    }

    public ParameterSet buffers() {
        return buffers;
    }

    public void setTraining(boolean training) {
        norms.forEach(n -> n.setTraining(training));
    }

    @Override
    public Tensor forward(Tensor crop) {
        if (crop.dim(2) != config.crop() || crop.dim(3) != config.crop()) {
            throw new IllegalArgumentException("SrganDiscriminator input " + crop + ": expected [N,3," + config.crop()
                    + "," + config.crop() + "]");
        }
        return net.forward(crop);
    }

    @Override
    public Tensor backward(Tensor dlogits) {
        return net.backward(dlogits);
    }

    @Override
    public void close() {
        params.close();
        buffers.close();
    }
}
