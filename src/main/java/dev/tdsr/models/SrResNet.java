package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.BatchNorm;
import dev.tdsr.nn.Conv2d;
import dev.tdsr.nn.Init;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.PReLU;
import dev.tdsr.nn.ParameterSet;
import dev.tdsr.nn.PixelShuffle;
import dev.tdsr.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * The SRResNet / SRGAN generator (Ledig et al., CVPR 2017, Fig. 4): LR RGB in [0,1] -> SR at {@code scale}x, no clamp.
 * <pre>
 *   x1 = prelu(conv9x9(lr))
 *   x  = B residual blocks: x + bn(conv3x3(prelu(bn(conv3x3(x)))))
 *   x  = x1 + bn(conv3x3(x))                                     (the long skip)
 *   x  = log2(scale) times prelu(pixel_shuffle_2(conv3x3 c->4c(x)))
 *   sr = conv9x9 c->3(x)                              (+ bicubic(lr) with {@link SrResNetConfig#residual()})
 * </pre>
 * Parameter names follow that structure ({@code conv1}, {@code prelu1}, {@code blocks.i.{conv1,bn1,prelu,conv2,bn2}},
 * {@code conv2}, {@code bn2}, {@code upsample.k.{conv,prelu}}, {@code conv3}); batch norm running statistics live in
 * {@link #buffers()} and are saved with the weights. {@link #setTraining} switches every batch norm.
 */
public final class SrResNet implements SrNetwork {
    private final SrResNetConfig config;
    private final ParameterSet params = new ParameterSet();
    private final ParameterSet buffers = new ParameterSet();
    private final List<BatchNorm> norms = new ArrayList<>();
    private final Layer head;
    private final List<Layer> blocks = new ArrayList<>();
    private final Layer trunkEnd;
    private final Layer tail;
    /** The bicubic global residual (null without {@link SrResNetConfig#residual()}). */
    private final BicubicUpscale bicubic;

    public SrResNet(SrResNetConfig config, Backend backend, DType dtype, long seed) {
        this.config = config;
        int c = config.channels();
        head = new Sequential(Conv2d.withDefaults(params, "conv1", 3, c, 9, ConvSpec.of(1, 4)),
                new PReLU(params, "prelu1", 1));
        for (int i = 0; i < config.blocks(); i++) {
            String b = "blocks." + i + ".";
            blocks.add(new Sequential(conv3(b + "conv1", c, c), norm(b + "bn1", c), new PReLU(params, b + "prelu", 1),
                    conv3(b + "conv2", c, c), norm(b + "bn2", c)));
        }
        trunkEnd = new Sequential(conv3("conv2", c, c), norm("bn2", c));
        List<Layer> up = new ArrayList<>();
        for (int k = 0; k < config.upsamplingStages(); k++) {
            up.add(Conv2d.withDefaults(params, "upsample." + k + ".conv", c, 4 * c, 3, ConvSpec.of(1, 1)));
            up.add(new PixelShuffle(2));
            up.add(new PReLU(params, "upsample." + k + ".prelu", 1));
        }
        up.add(Conv2d.withDefaults(params, "conv3", c, 3, 9, ConvSpec.of(1, 4)));
        tail = new Sequential(up);
        bicubic = config.residual() ? new BicubicUpscale(config.scale()) : null;
        params.allocate(backend, dtype, seed);
        buffers.allocate(backend, dtype, seed);
        buffers.setRequiresGrad(false);
    }

    /** A 3x3 convolution without bias (a batch norm follows). */
    private Conv2d conv3(String name, int in, int out) {
        Init u = Init.pytorchDefault(9L * in);
        return new Conv2d(params, name, in, out, 3, ConvSpec.of(1, 1), false, u, u);
    }

    private BatchNorm norm(String name, int c) {
        BatchNorm n = new BatchNorm(params, buffers, name, c);
        norms.add(n);
        return n;
    }

    public SrResNetConfig config() {
        return config;
    }

    @Override
    public int scale() {
        return config.scale();
    }

    @Override
    public ParameterSet parameters() {
        return params;
    }

    /** The batch norms' running statistics (never optimized). */
    public ParameterSet buffers() {
        return buffers;
    }

    /** Training mode (batch statistics) or inference mode (running statistics) for every batch norm. */
    @Override
    public void setTraining(boolean training) {
        norms.forEach(n -> n.setTraining(training));
    }

    @Override
    public Tensor forward(Tensor lr) {
        Backend b = lr.backend();
        Tensor x1 = head.forward(lr);
        Tensor x = x1;
        for (Layer block : blocks) {
            Tensor y = block.forward(x);
            b.axpy(1, x, y);
            x = y;
        }
        Tensor t = trunkEnd.forward(x);
        b.axpy(1, x1, t);
        Tensor sr = tail.forward(t);
        if (bicubic != null) {
            b.axpy(1, bicubic.forward(lr), sr);
        }
        return sr;
    }

    @Override
    public Tensor backward(Tensor dsr) {
        Backend b = dsr.backend();
        Tensor dt = tail.backward(dsr);
        Tensor dx = trunkEnd.backward(dt);
        for (int i = blocks.size() - 1; i >= 0; i--) {
            Tensor d = blocks.get(i).backward(dx);
            b.axpy(1, dx, d); // the block's skip
            dx = d;
        }
        b.axpy(1, dt, dx); // the long skip
        Tensor dLr = head.backward(dx);
        if (bicubic != null) {
            b.axpy(1, bicubic.backward(dsr), dLr);
        }
        return dLr;
    }

    @Override
    public void close() {
        params.close();
        buffers.close();
        if (bicubic != null) {
            bicubic.close();
        }
    }
}
