package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.PoolSpec;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.Conv2d;
import dev.tdsr.nn.Init;
import dev.tdsr.nn.L2Norm;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.MaxPool2d;
import dev.tdsr.nn.ParameterSet;
import dev.tdsr.nn.ReLU;
import java.util.ArrayList;
import java.util.List;

/**
 * SSD300-VGG16 as amdegroot/ssd.pytorch builds it (ssd.py), the frozen detector D of TDSR. The image-side input is
 * an SR image (RGB, [0,1]); {@link SsdInput} maps it to the network's input. Parameter names as ssd.pytorch's
 * state_dict: {@code vgg.N.*} (N = index in the vgg ModuleList, ReLUs and pools counted), {@code L2Norm.weight},
 * {@code extras.0..7.*}, {@code loc.0..5.*}, {@code conf.0..5.*}.
 *
 * <p>The trunk is one list of layers (vgg 0..34, then each extra followed by its ReLU); six taps read sources from it:
 * after vgg 22 (ReLU of conv4_3, through L2Norm), after vgg 34 (ReLU of conv7), after extras 1, 3, 5, 7. Each head's
 * output is permuted NCHW->NHWC straight into its slice of loc [N,P,4] / conf [N,P,C] (prior order). The backward
 * adds the two heads' gradients at each tap. Initialisation: xavier_uniform weights, zero biases (ssd.pytorch's
 * train.py for extras and heads; the base is normally loaded from weights), L2Norm 20.
 */
public final class Ssd implements AutoCloseable {
    /** ssd.pytorch's vgg cfg; -1 = 'M' (2x2 floor pool), -2 = 'C' (2x2 ceil pool). */
    private static final int[] VGG = {64, 64, -1, 128, 128, -1, 256, 256, 256, -2, 512, 512, 512, -1, 512, 512, 512};
    private static final int[][] EXTRAS = { // out, kernel, stride, padding
        {256, 1, 1, 0}, {512, 3, 2, 1}, {128, 1, 1, 0}, {256, 3, 2, 1},
        {128, 1, 1, 0}, {256, 3, 1, 0}, {128, 1, 1, 0}, {256, 3, 1, 0}};

    /** The two outputs of the forward in prior order: loc [N,P,4] (dx,dy,dw,dh), conf [N,P,C] raw logits. */
    public record Output(Tensor loc, Tensor conf) {}

    private final SsdConfig config;
    private volatile java.util.List<String> classNames;
    private final ParameterSet params = new ParameterSet();
    private final PriorBoxes priors;
    private final SsdInput input;
    private final List<Layer> trunk = new ArrayList<>();
    private final int[] taps = new int[6]; // trunk index whose output is source k
    private final L2Norm l2norm;
    private final Conv2d[] loc = new Conv2d[6];
    private final Conv2d[] conf = new Conv2d[6];
    private final long[][] headShapes = new long[12][];

    public Ssd(SsdConfig config, Backend backend, DType dtype, long seed) {
        this.config = config;
        this.priors = new PriorBoxes(config.priorSpec());
        this.input = new SsdInput(config.bgr());
        int in = 3;
        int conv43 = 0;
        for (int c : VGG) {
            if (c < 0) {
                trunk.add(new MaxPool2d(PoolSpec.of(2, 2, 0, c == -2)));
            } else {
                in = conv("vgg." + trunk.size(), in, config.ch(c), 3, ConvSpec.of(1, 1));
                if (trunk.size() == 23) { // vgg.21 = conv4_3, vgg.22 its ReLU
                    taps[0] = 22;
                    conv43 = in;
                }
            }
        }
        trunk.add(new MaxPool2d(PoolSpec.of(3, 1, 1, false)));                         // pool5
        in = conv("vgg.31", in, config.ch(1024), 3, ConvSpec.of(1, 6, 6));             // conv6 (fc6), dilated
        in = conv("vgg.33", in, config.ch(1024), 1, ConvSpec.of(1, 0));                // conv7 (fc7)
        taps[1] = trunk.size() - 1;
        int[] sourceChannels = new int[6];
        sourceChannels[0] = conv43;
        sourceChannels[1] = in;
        l2norm = new L2Norm(params, "L2Norm", conv43, 20);
        for (int e = 0; e < EXTRAS.length; e++) {
            int[] x = EXTRAS[e];
            in = conv("extras." + e, in, config.ch(x[0]), x[1], ConvSpec.of(x[2], x[3]));
            if (e % 2 == 1) {
                taps[2 + e / 2] = trunk.size() - 1;
                sourceChannels[2 + e / 2] = in;
            }
        }
        for (String head : new String[] {"loc", "conf"}) {
            for (int k = 0; k < 6; k++) {
                int perBox = head.equals("loc") ? 4 : config.numClasses();
                int out = PriorBoxes.boxesPerLocation(k) * perBox;
                Conv2d c = new Conv2d(params, head + "." + k, sourceChannels[k], out, 3, ConvSpec.of(1, 1), true,
                        Init.xavierUniform(), Init.zeros());
                (head.equals("loc") ? loc : conf)[k] = c;
            }
        }
        params.allocate(backend, dtype, seed);
    }

    /** Adds conv + ReLU under trunk index {@code name}'s number; returns the out channels. */
    private int conv(String name, int in, int out, int k, ConvSpec spec) {
        trunk.add(new Conv2d(params, name, in, out, k, spec, true, Init.xavierUniform(), Init.zeros()));
        trunk.add(new ReLU());
        return out;
    }

    /**
     * Names of classes 1..C-1 (without background) when known: set by training from the dataset, read from and
     * written to model.json ({@code "classNames"}); null for a model whose files record none.
     */
    public java.util.List<String> classNames() {
        return classNames;
    }

    public void setClassNames(java.util.List<String> names) {
        if (names != null && names.size() != config.numClasses() - 1) {
            throw new IllegalArgumentException("class names: the detector has " + (config.numClasses() - 1)
                    + " object classes, got " + names.size() + " names " + names);
        }
        this.classNames = names == null ? null : java.util.List.copyOf(names);
    }

    public SsdConfig config() {
        return config;
    }

    public ParameterSet parameters() {
        return params;
    }

    public PriorBoxes priors() {
        return priors;
    }

    /** Trunk index of the ReLU after conv5_3, the last convolution of the VGG16 base (SRGAN's "VGG54" analogue). */
    public static final int CONV5_3_RELU = 29;

    /**
     * The VGG16 base's feature maps after trunk layer {@code last} (at most {@link #CONV5_3_RELU}) for an image
     * [N,3,H,W] (RGB, [0,1], any size): the perceptual features of SRGAN's content loss. Shares the trunk's layers
     * with {@link #forward}, so call {@link #featuresBackward} before the next forward of either.
     */
    public Tensor features(Tensor image, int last) {
        if (last < 0 || last > CONV5_3_RELU) {
            throw new IllegalArgumentException("Ssd.features: layer " + last + " is outside the VGG16 base (0.."
                    + CONV5_3_RELU + ")");
        }
        return features(image, new int[] {last})[0];
    }

    /**
     * The VGG16 base up to the ReLU of conv5_3 as SRGAN's perceptual network (used where no ImageNet VGG19 is given);
     * it shares this detector's layers, so it is not to be used between a {@link #forward} and its backward.
     */
    public PerceptualNetwork perceptual() {
        return new PerceptualNetwork() {
            @Override
            public Tensor features(Tensor image) {
                return Ssd.this.features(image, CONV5_3_RELU);
            }

            @Override
            public Tensor featuresBackward(Tensor dFeatures) {
                return Ssd.this.featuresBackward(dFeatures, CONV5_3_RELU);
            }

            @Override
            public ParameterSet parameters() {
                return params;
            }

            @Override
            public String describe() {
                return "the detector's VGG16 base up to relu5_3";
            }
        };
    }

    /** The image gradient of the last {@link #features} call (parameter gradients only if not frozen). */
    public Tensor featuresBackward(Tensor dfeatures, int last) {
        return featuresBackward(new Tensor[] {dfeatures}, new int[] {last});
    }

    /** Trunk index of the ReLU after conv7 (fc7), the deepest feature map before the extras. */
    public static final int FC7_RELU = 34;

    /**
     * The trunk's feature maps after each of {@code layers} (ascending, at most {@link #FC7_RELU}) in one forward
     * that stops at the last of them. Shares the trunk's layers with {@link #forward}, so call
     * {@link #featuresBackward} before the next forward of either.
     */
    public Tensor[] features(Tensor image, int[] layers) {
        for (int k = 0; k < layers.length; k++) {
            if (layers[k] < 0 || layers[k] > FC7_RELU || k > 0 && layers[k] <= layers[k - 1]) {
                throw new IllegalArgumentException("Ssd.features: layers " + java.util.Arrays.toString(layers)
                        + " must be ascending trunk indices in 0.." + FC7_RELU);
            }
        }
        Tensor[] out = new Tensor[layers.length];
        Tensor x = input.forward(image);
        for (int i = 0, k = 0; k < layers.length; i++) {
            x = trunk.get(i).forward(x);
            if (layers[k] == i) {
                out[k++] = x;
            }
        }
        return out;
    }

    /**
     * The image gradient of the last {@link #features}{@code (image, layers)} call given the gradient at each of
     * those layers (null: none there); parameter gradients only if not frozen.
     */
    public Tensor featuresBackward(Tensor[] dfeatures, int[] layers) {
        Tensor g = null;
        for (int i = layers[layers.length - 1], k = layers.length - 1; i >= 0; i--) {
            if (k >= 0 && layers[k] == i) {
                Tensor d = dfeatures[k];
                if (g == null) {
                    g = d;
                } else if (d != null) {
                    Tensor sum = g.backend().allocate(g.dtype(), g.shape());
                    g.backend().add(g, d, sum); // never write into a caller's tensor
                    g = sum;
                }
                k--;
            }
            if (g != null) {
                g = trunk.get(i).backward(g);
            }
        }
        if (g == null) {
            throw new IllegalArgumentException("Ssd.featuresBackward: no gradient given for any layer");
        }
        return input.backward(g);
    }

    /** Detector forward from an SR image [N,3,S,S] (RGB, [0,1]). */
    public Output forward(Tensor image) {
        if (image.dim(2) != config.inputSize() || image.dim(3) != config.inputSize()) {
            throw new IllegalArgumentException("Ssd input " + image + ": expected [N,3," + config.inputSize() + ","
                    + config.inputSize() + "]");
        }
        Backend b = image.backend();
        int batch = (int) image.dim(0);
        Tensor x = input.forward(image);
        Tensor[] src = new Tensor[6];
        for (int i = 0, k = 0; i < trunk.size(); i++) {
            x = trunk.get(i).forward(x);
            if (k < 6 && taps[k] == i) {
                src[k++] = x;
            }
        }
        src[0] = l2norm.forward(src[0]);
        int p = priors.count();
        Tensor locOut = b.allocate(image.dtype(), batch, p, 4);
        Tensor confOut = b.allocate(image.dtype(), batch, p, config.numClasses());
        for (int k = 0; k < 6; k++) {
            Tensor lo = loc[k].forward(src[k]);
            Tensor co = conf[k].forward(src[k]);
            headShapes[k] = lo.shape();
            headShapes[6 + k] = co.shape();
            b.nchwToRows(lo, locOut, 4L * priors.offset(k));
            b.nchwToRows(co, confOut, (long) config.numClasses() * priors.offset(k));
        }
        return new Output(locOut, confOut);
    }

    /**
     * Gradient of the last forward's input image given dloc, dconf. Parameter gradients accumulate only if
     * {@code parameters().requiresGrad()} (TDSR freezes D).
     */
    public Tensor backward(Tensor dloc, Tensor dconf) {
        Backend b = dloc.backend();
        Tensor[] gsrc = new Tensor[6];
        for (int k = 0; k < 6; k++) {
            Tensor gl = b.allocate(dloc.dtype(), headShapes[k]);
            b.rowsToNchw(dloc, gl, 4L * priors.offset(k));
            Tensor gc = b.allocate(dconf.dtype(), headShapes[6 + k]);
            b.rowsToNchw(dconf, gc, (long) config.numClasses() * priors.offset(k));
            gsrc[k] = loc[k].backward(gl);
            Tensor fromConf = conf[k].backward(gc);
            b.axpy(1, fromConf, gsrc[k]);
            gl.close();
            gc.close();
            fromConf.close();
        }
        Tensor normed = gsrc[0];
        gsrc[0] = l2norm.backward(normed);
        normed.close();
        // every gradient below is this method's own: each is freed once the next layer down has consumed it
        Tensor g = null;
        for (int i = trunk.size() - 1, k = 5; i >= 0; i--) {
            if (k >= 0 && taps[k] == i) {
                if (g == null) {
                    g = gsrc[k];
                } else {
                    b.axpy(1, gsrc[k], g);
                    gsrc[k].close();
                }
                k--;
            }
            Tensor down = trunk.get(i).backward(g);
            g.close();
            g = down;
        }
        Tensor dImage = input.backward(g);
        g.close();
        return dImage;
    }

    /** Frees the parameter slabs. */
    @Override
    public void close() {
        parameters().close();
        input.close();
    }
}
