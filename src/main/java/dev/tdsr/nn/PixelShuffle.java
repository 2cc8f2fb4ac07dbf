package dev.tdsr.nn;

import dev.tdsr.engine.Tensor;

/** PyTorch's PixelShuffle (sub-pixel upsampling): [N, C*r*r, H, W] -> [N, C, H*r, W*r]; no parameters. */
public final class PixelShuffle implements Layer {
    private final int factor;
    private long[] inputShape;

    public PixelShuffle(int factor) {
        this.factor = factor;
    }

    @Override
    public Tensor forward(Tensor x) {
        inputShape = x.shape();
        long rr = (long) factor * factor;
        Tensor y = x.backend().allocate(x.dtype(), x.dim(0), x.dim(1) / rr, x.dim(2) * factor, x.dim(3) * factor);
        x.backend().pixelShuffleForward(x, y, factor);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = dy.backend().allocate(dy.dtype(), inputShape);
        dy.backend().pixelShuffleBackward(dy, dx, factor);
        return dx;
    }
}
