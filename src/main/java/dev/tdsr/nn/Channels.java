package dev.tdsr.nn;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;
import java.util.List;

/** Channel concatenation (NCHW) and its gradient, for dense connections. */
public final class Channels {
    private Channels() {}

    /** A new tensor: the inputs stacked along C, first input first. */
    public static Tensor concat(List<Tensor> inputs) {
        Tensor first = inputs.get(0);
        long c = 0;
        for (Tensor t : inputs) {
            c += t.dim(1);
        }
        Tensor y = first.backend().allocate(first.dtype(), first.dim(0), c, first.dim(2), first.dim(3));
        first.backend().concatChannels(inputs, y);
        return y;
    }

    /** Adds the channel slices of {@code dy} into {@code grads} (one accumulator per concatenated input). */
    public static void accumulateSplit(Tensor dy, List<Tensor> grads) {
        dy.backend().splitChannels(dy, grads, true);
    }

    /** Zero-filled tensor shaped like {@code like}: a gradient accumulator. */
    public static Tensor zerosLike(Tensor like) {
        Backend b = like.backend();
        return b.allocate(like.dtype(), like.shape()).fill(0);
    }
}
