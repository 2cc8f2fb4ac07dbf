package dev.tdsr.models;

import dev.tdsr.data.Bicubic;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link Bicubic#resize} to {@code factor} times the size, on a backend and for a whole [N,C,h,w] batch: the resize is
 * separable and linear, so it is {@code Y = Wy X Wx^T} per plane with the dense one-dimensional matrices of
 * {@link Bicubic#upscaleMatrix} — one GEMM over all rows for the width, one per plane for the height. The backward
 * is the adjoint, {@code dX = Wy^T dY Wx}.
 *
 * <p>The matrices depend only on a side's length, so each is built and uploaded once per (length, dtype, backend)
 * and kept until {@link #close()}. Not thread-safe: one instance belongs to one model, which computes one batch at a
 * time. A cached matrix made while scopes were nested may be freed by an outer scope; it is then made again.
 */
final class BicubicUpscale implements AutoCloseable {
    private record Key(Backend backend, DType dtype, int length, boolean transposed) {}

    private final int factor;
    private final Map<Key, Tensor> matrices = new HashMap<>();

    BicubicUpscale(int factor) {
        this.factor = factor;
    }

    Tensor forward(Tensor x) {
        Backend be = x.backend();
        long planes = x.dim(0) * x.dim(1);
        int h = Math.toIntExact(x.dim(2));
        int w = Math.toIntExact(x.dim(3));
        long outH = (long) h * factor;
        long outW = (long) w * factor;
        Tensor widthT = matrix(be, x.dtype(), w, true); // Wx^T
        Tensor height = matrix(be, x.dtype(), h, false);
        Tensor wide = be.allocate(x.dtype(), planes * h, outW);
        be.gemm(x.reshape(planes * h, w), widthT, wide);
        Tensor y = be.allocate(x.dtype(), x.dim(0), x.dim(1), outH, outW);
        for (long p = 0; p < planes; p++) {
            be.gemm(height, wide.view(p * h * outW, h, outW), y.view(p * outH * outW, outH, outW));
        }
        return y;
    }

    /** The input gradient of {@link #forward} for the output gradient dy. */
    Tensor backward(Tensor dy) {
        Backend be = dy.backend();
        long planes = dy.dim(0) * dy.dim(1);
        int outH = Math.toIntExact(dy.dim(2));
        int outW = Math.toIntExact(dy.dim(3));
        int h = outH / factor;
        int w = outW / factor;
        Tensor heightT = matrix(be, dy.dtype(), h, true); // Wy^T
        Tensor width = matrix(be, dy.dtype(), w, false);
        Tensor narrow = be.allocate(dy.dtype(), planes * h, outW);
        for (long p = 0; p < planes; p++) {
            be.gemm(heightT, dy.view(p * outH * outW, outH, outW), narrow.view(p * h * outW, h, outW));
        }
        Tensor dx = be.allocate(dy.dtype(), dy.dim(0), dy.dim(1), h, w);
        be.gemm(narrow, width, dx.reshape(planes * h, w));
        return dx;
    }

    /** Matrices on the device now (tests). */
    int cachedMatrices() {
        matrices.values().removeIf(Tensor::isClosed);
        return matrices.size();
    }

    /**
     * The upscale matrix of a side of {@code length} pixels, [length*factor, length], or its transpose; kept out of
     * the caller's scope.
     */
    private Tensor matrix(Backend be, DType dtype, int length, boolean transposed) {
        Key key = new Key(be, dtype, length, transposed);
        Tensor m = matrices.get(key);
        if (m == null || m.isClosed()) {
            int big = length * factor;
            double[] values = Bicubic.upscaleMatrix(length, factor);
            m = transposed ? be.allocate(dtype, length, big) : be.allocate(dtype, big, length);
            HostDoubles.write(m, transposed ? transpose(values, big, length) : values).keep();
            matrices.put(key, m);
        }
        return m;
    }

    /** Frees the cached matrices. */
    @Override
    public void close() {
        matrices.values().forEach(Tensor::close);
        matrices.clear();
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
