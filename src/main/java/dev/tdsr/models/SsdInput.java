package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.Channels;
import dev.tdsr.nn.FixedChannelAffine;
import dev.tdsr.nn.Layer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The detector's input transform from an SR image (RGB, [0,1]): x_D = 255 * img - mean, in the network's channel
 * order (RGB means 123,117,104; with {@code bgr} the channels are reversed first and the means are 104,117,123).
 * Differentiable; no clamp (a clamp would stop the task gradient outside [0,1]).
 */
public final class SsdInput implements Layer, AutoCloseable {
    static final double[] RGB_MEANS = {123, 117, 104};
    private final boolean bgr;
    private final FixedChannelAffine affine;

    public SsdInput(boolean bgr) {
        this.bgr = bgr;
        double[] m = bgr ? new double[] {RGB_MEANS[2], RGB_MEANS[1], RGB_MEANS[0]} : RGB_MEANS;
        this.affine = new FixedChannelAffine(new double[] {255, 255, 255}, new double[] {-m[0], -m[1], -m[2]});
    }

    @Override
    public Tensor forward(Tensor img) {
        return affine.forward(bgr ? reverseChannels(img) : img);
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = affine.backward(dy);
        return bgr ? reverseChannels(dx) : dx;
    }

    /** Frees the transform's device constants. */
    @Override
    public void close() {
        affine.close();
    }

    /** A new tensor with the channel order reversed (its own inverse, so it also serves the backward). */
    static Tensor reverseChannels(Tensor x) {
        Backend b = x.backend();
        List<Tensor> parts = new ArrayList<>();
        for (int c = 0; c < x.dim(1); c++) {
            parts.add(b.allocate(x.dtype(), x.dim(0), 1, x.dim(2), x.dim(3)));
        }
        b.splitChannels(x, parts, false);
        Collections.reverse(parts);
        return Channels.concat(parts);
    }
}
