package dev.tdsr.models;

import dev.tdsr.data.Bicubic;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;

/**
 * {@link Bicubic#resize} to {@code factor} times the size, on a backend and for a whole [N,C,h,w] batch: the resize is
 * separable and linear, so it is {@code Y = Wy X Wx^T} per plane with the dense one-dimensional matrices of
 * {@link Bicubic#upscaleMatrix} — one GEMM over all rows for the width, one per plane for the height. The backward
 * is the adjoint, {@code dX = Wy^T dY Wx}.
 */
final class BicubicUpscale {
    private BicubicUpscale() {}

    static Tensor forward(Tensor x, int factor) {
        Backend be = x.backend();
        long planes = x.dim(0) * x.dim(1);
        int h = Math.toIntExact(x.dim(2));
        int w = Math.toIntExact(x.dim(3));
        long outH = (long) h * factor;
        long outW = (long) w * factor;
        Tensor widthT = be.allocate(x.dtype(), w, outW); // Wx^T
        HostDoubles.write(widthT, transpose(Bicubic.upscaleMatrix(w, factor), Math.toIntExact(outW), w));
        Tensor height = be.allocate(x.dtype(), outH, h);
        HostDoubles.write(height, Bicubic.upscaleMatrix(h, factor));
        Tensor wide = be.allocate(x.dtype(), planes * h, outW);
        be.gemm(x.reshape(planes * h, w), widthT, wide);
        Tensor y = be.allocate(x.dtype(), x.dim(0), x.dim(1), outH, outW);
        for (long p = 0; p < planes; p++) {
            be.gemm(height, wide.view(p * h * outW, h, outW), y.view(p * outH * outW, outH, outW));
        }
        return y;
    }

    /** The input gradient of {@link #forward} for the output gradient dy. */
    static Tensor backward(Tensor dy, int factor) {
        Backend be = dy.backend();
        long planes = dy.dim(0) * dy.dim(1);
        int outH = Math.toIntExact(dy.dim(2));
        int outW = Math.toIntExact(dy.dim(3));
        int h = outH / factor;
        int w = outW / factor;
        Tensor heightT = be.allocate(dy.dtype(), h, outH); // Wy^T
        HostDoubles.write(heightT, transpose(Bicubic.upscaleMatrix(h, factor), outH, h));
        Tensor width = be.allocate(dy.dtype(), outW, w);
        HostDoubles.write(width, Bicubic.upscaleMatrix(w, factor));
        Tensor narrow = be.allocate(dy.dtype(), planes * h, outW);
        for (long p = 0; p < planes; p++) {
            be.gemm(heightT, dy.view(p * outH * outW, outH, outW), narrow.view(p * h * outW, h, outW));
        }
        Tensor dx = be.allocate(dy.dtype(), dy.dim(0), dy.dim(1), h, w);
        be.gemm(narrow, width, dx.reshape(planes * h, w));
        return dx;
    }

    private static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
