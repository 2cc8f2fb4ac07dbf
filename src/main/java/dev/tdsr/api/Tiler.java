package dev.tdsr.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs an x{@code scale} network on an image of any size.
 *
 * <p>Small images: a side under {@link #MIN_SIDE} is padded by replicating the last row/column and the output is
 * cropped back to {@code scale*w x scale*h}. (D-DBPN accepts any side >= 1, but its 6..12-pixel projection kernels
 * would see mostly zero padding on a 1-3 pixel input.)
 *
 * <p>Large images: a side over {@code tile} is covered by tiles of {@code tile} LR pixels that overlap their
 * neighbours by at least {@code overlap} (the last tile is moved back to end at the border). In the SR output each tile
 * is weighted, along every side that has a neighbour, by 0 over the outer quarter of the overlap (context the network
 * saw only with zero padding beyond it: discarded), a raised cosine over the middle half, and 1 beyond; the weighted
 * sum is divided by the summed weights. Two neighbours overlapping by exactly {@code overlap} have weights summing to 1,
 * so there is no seam, and a pixel's value comes only from tiles in which it lies at least {@code overlap/4} LR pixels
 * inside: where the network's receptive field is within that margin the result equals the untiled one.
 */
final class Tiler {
    static final int MIN_SIDE = 8;

    /** One forward: CHW [3,h,w] in, CHW [3,scale*h,scale*w] out. */
    interface Network {
        float[] forward(float[] chw, int w, int h);
    }

    private final int scale;
    private final int tile;
    private final int overlap;

    Tiler(int scale, int tile, int overlap) {
        if (tile < MIN_SIDE) {
            throw new IllegalArgumentException("tile size: expected at least " + MIN_SIDE + " pixels, got " + tile);
        }
        if (overlap < 0 || overlap >= tile) {
            throw new IllegalArgumentException("tile overlap: expected 0 <= overlap < tile size (" + tile + "), got "
                    + overlap);
        }
        this.scale = scale;
        this.tile = tile;
        this.overlap = overlap;
    }

    /** Receives the output top to bottom: rows [y0, y0+rows) of every plane, planar [3][rows][width], final values. */
    interface Bands {
        void band(int y0, int rows, int width, float[] rgb) throws IOException;
    }

    /** The whole output, [3, scale*h, scale*w]. */
    float[] upscale(float[] chw, int w, int h, Network net) {
        int ow = scale * w;
        int oh = scale * h;
        float[] out = new float[Math.multiplyExact(3 * ow, oh)];
        try {
            upscale(chw, w, h, net, (y0, rows, width, rgb) -> {
                for (int c = 0; c < 3; c++) {
                    System.arraycopy(rgb, c * rows * width, out, (c * oh + y0) * ow, rows * width);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the array sink does no I/O
        }
        return out;
    }

    /**
     * Streams the output through {@code sink} one row of tiles at a time: only the rows that the current and the next
     * row of tiles share are held, so the heap used is about 4 * (3 + 1) * scale^2 * tile * width bytes, whatever the
     * height.
     */
    void upscale(float[] chw, int w, int h, Network net, Bands sink) throws IOException {
        if (w < MIN_SIDE || h < MIN_SIDE) {
            int pw = Math.max(w, MIN_SIDE);
            int ph = Math.max(h, MIN_SIDE);
            float[] big = upscale(crop(chw, w, h, 0, 0, pw, ph), pw, ph, net);
            sink.band(0, scale * h, scale * w, crop(big, scale * pw, scale * ph, 0, 0, scale * w, scale * h));
            return;
        }
        if (w <= tile && h <= tile) {
            sink.band(0, scale * h, scale * w, checked(net.forward(chw, w, h), w, h));
            return;
        }
        int tw = Math.min(tile, w);
        int th = Math.min(tile, h);
        int ow = scale * w;
        int cap = scale * th; // output rows of one row of tiles
        float[] acc = new float[Math.multiplyExact(3 * ow, cap)];
        float[] sum = new float[ow * cap];
        List<Integer> ys = starts(h);
        for (int k = 0; k < ys.size(); k++) {
            int y0 = ys.get(k);
            int top = scale * y0; // the output row at acc's row 0: the rows above it were handed over
            float[] wy = weights(y0, th, h);
            for (int x0 : starts(w)) {
                float[] wx = weights(x0, tw, w);
                float[] out = checked(net.forward(crop(chw, w, h, x0, y0, tw, th), tw, th), tw, th);
                int stw = scale * tw;
                for (int i = 0; i < cap; i++) {
                    int row = i * ow + scale * x0;
                    for (int j = 0; j < stw; j++) {
                        float kw = wy[i] * wx[j];
                        sum[row + j] += kw;
                        for (int c = 0; c < 3; c++) {
                            acc[c * ow * cap + row + j] += kw * out[(c * cap + i) * stw + j];
                        }
                    }
                }
            }
            // Rows above the next row of tiles get nothing more: normalise, hand over, keep the shared rows.
            int end = k + 1 < ys.size() ? scale * ys.get(k + 1) : scale * (y0 + th);
            int done = end - top;
            float[] band = new float[3 * done * ow];
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < done * ow; i++) {
                    band[c * done * ow + i] = acc[c * ow * cap + i] / sum[i];
                }
            }
            sink.band(top, done, ow, band);
            int kept = cap - done;
            for (int c = 0; c < 3; c++) {
                System.arraycopy(acc, c * ow * cap + done * ow, acc, c * ow * cap, kept * ow);
                Arrays.fill(acc, c * ow * cap + kept * ow, (c + 1) * ow * cap, 0f);
            }
            System.arraycopy(sum, done * ow, sum, 0, kept * ow);
            Arrays.fill(sum, kept * ow, cap * ow, 0f);
        }
    }

    /** Output pixels of one plane in one band of tiles of a {@code w x h} input: what streaming holds per plane. */
    long bandPixels(int w, int h) {
        return (long) scale * Math.max(w, MIN_SIDE) * scale * Math.min(tile, Math.max(h, MIN_SIDE));
    }

    /** Tile origins along a side of n pixels (one tile when n <= tile). */
    List<Integer> starts(int n) {
        List<Integer> s = new ArrayList<>();
        int x = 0;
        while (true) {
            s.add(x);
            if (x + tile >= n) {
                return s;
            }
            x = Math.min(x + tile - overlap, n - tile);
        }
    }

    /** Per-output-pixel weights along one axis of a tile at {@code start} of size t in a side of n. */
    private float[] weights(int start, int t, int n) {
        float[] w = new float[scale * t];
        for (int i = 0; i < w.length; i++) {
            double d = (i + 0.5) / scale; // distance from the tile's first edge in LR pixels
            double v = 1;
            if (start > 0) {
                v *= ramp(d);
            }
            if (start + t < n) {
                v *= ramp(t - d);
            }
            w[i] = (float) v;
        }
        return w;
    }

    private double ramp(double d) {
        if (overlap == 0) {
            return 1;
        }
        double discard = overlap / 4.0;
        double width = overlap / 2.0;
        if (d <= discard) {
            return 0;
        }
        if (d >= discard + width) {
            return 1;
        }
        return 0.5 - 0.5 * Math.cos(Math.PI * (d - discard) / width);
    }

    private float[] checked(float[] out, int w, int h) {
        long expected = 3L * scale * w * scale * h;
        if (out.length != expected) {
            throw new IllegalStateException("network output for a " + w + "x" + h + " input has " + out.length
                    + " values, expected 3x" + scale * h + "x" + scale * w);
        }
        return out;
    }

    /** The [3,ch,cw] window at (x0,y0) of a [3,h,w] image; coordinates past the border replicate the last pixel. */
    static float[] crop(float[] chw, int w, int h, int x0, int y0, int cw, int ch) {
        float[] out = new float[3 * cw * ch];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < ch; y++) {
                int sy = Math.min(y0 + y, h - 1);
                for (int x = 0; x < cw; x++) {
                    out[(c * ch + y) * cw + x] = chw[(c * h + sy) * w + Math.min(x0 + x, w - 1)];
                }
            }
        }
        return out;
    }
}
