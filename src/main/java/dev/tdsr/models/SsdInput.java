package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.Channels;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.nn.Layer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The detector's input transform from an SR image (RGB, [0,1]): x_D = 255 * img - mean, in the network's channel
 * order (RGB means 123,117,104; with {@code bgr} the channels are reversed first and the means are 104,117,123).
 * Differentiable; no clamp (a clamp would stop the task gradient outside [0,1]).
 */
public final class SsdInput implements Layer {
    static final double[] RGB_MEANS = {123, 117, 104};
    private final boolean bgr;
    private Tensor scale;

    public SsdInput(boolean bgr) {
        this.bgr = bgr;
    }

    @Override
    public Tensor forward(Tensor img) {
        Backend b = img.backend();
        Tensor x = bgr ? reverseChannels(img) : img;
        scale = b.allocate(img.dtype(), 3);
        HostDoubles.write(scale, new double[] {255, 255, 255});
        Tensor shift = b.allocate(img.dtype(), 3);
        double[] m = RGB_MEANS.clone();
        if (bgr) {
            m = new double[] {m[2], m[1], m[0]};
        }
        HostDoubles.write(shift, new double[] {-m[0], -m[1], -m[2]});
        Tensor y = b.allocate(img.dtype(), img.shape());
        b.channelAffineForward(x, scale, shift, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = dy.backend().allocate(dy.dtype(), dy.shape());
        dy.backend().channelAffineBackward(dy, scale, dy, dx, null, null); // x is unused without da
        return bgr ? reverseChannels(dx) : dx;
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
