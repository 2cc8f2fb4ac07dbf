package dev.tdsr.data;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * MATLAB {@code imresize(im, ..., 'bicubic')} on float images (no rounding, no clipping), as described by
 * {@code fatheral/matlab_imresize}: cubic kernel with a = -0.5; when shrinking by c &lt; 1 the kernel becomes
 * {@code c*h(c*x)} with width {@code 4/c} (antialiasing); output pixel x (1-based) samples input coordinate
 * {@code u = x/c + 0.5*(1 - 1/c)} with taps {@code floor(u - width/2) + j}, j = 0..ceil(width)+1; weights normalised
 * to sum 1; taps outside 1..n mirrored (…2,1,1,2,…,n,n,n-1…); separable, the dimension with the smaller scale first
 * (rows first on a tie, as MATLAB's sort does).
 *
 * <p>Scale mode ({@link #downscale}): output length {@code ceil(n/s)}. So 300 px at 1/8 gives 38 px (37.5 rounded
 * up); output 38 is centred at input u = 38*8 - 3.5 = 300.5 (1-based), half a pixel past the last pixel, and reads
 * mirrored taps. We keep HR 300x300 (SSD300's input, so the prior boxes and the paper's HR frame stay as they are)
 * and accept 38x38 LR at 8x; D-DBPN then returns 304x304 and its top-left 300x300 is the SR image
 * (augmentation.md section 3, recommended default). Size mode ({@link #resize}): c = out/in per dimension.
 */
public final class Bicubic {
    private Bicubic() {}

    /** One dimension's taps: output i reads {@code index[i*taps + j]} (0-based) with {@code weight[i*taps + j]}. */
    record Plan(int in, int out, int taps, int[] index, double[] weight) {}

    private record Key(int in, int out, double scale) {}

    private static final Map<Key, Plan> PLANS = new ConcurrentHashMap<>();

    /** The cubic convolution kernel with a = -0.5. */
    static double cubic(double x) {
        double a = Math.abs(x);
        double a2 = a * a;
        double a3 = a2 * a;
        if (a <= 1) {
            return 1.5 * a3 - 2.5 * a2 + 1;
        }
        if (a <= 2) {
            return -0.5 * a3 + 2.5 * a2 - 4 * a + 2;
        }
        return 0;
    }

    /** {@code imresize(im, 1/factor)}: output {@code ceil(w/factor) x ceil(h/factor)}. */
    public static Image downscale(Image im, int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("bicubic: scale factor must be >= 1, got " + factor);
        }
        double c = 1.0 / factor;
        return apply(im, plan(im.width(), outLength(im.width(), factor), c), plan(im.height(),
                outLength(im.height(), factor), c), c, c);
    }

    /** Output length of a 1/factor downscale: {@code ceil(n/factor)}. */
    public static int outLength(int n, int factor) {
        return (n + factor - 1) / factor;
    }

    /** {@code imresize(im, [outH outW])}: scale per dimension = out/in, antialiased when shrinking. */
    public static Image resize(Image im, int outWidth, int outHeight) {
        double cx = (double) outWidth / im.width();
        double cy = (double) outHeight / im.height();
        return apply(im, plan(im.width(), outWidth, cx), plan(im.height(), outHeight, cy), cx, cy);
    }

    /**
     * Rows {@code [y0, y0+rows)} of {@link #resize}{@code (im, outWidth, outHeight)}, bit-identical to the same rows of
     * the whole result, computed without the others (for outputs streamed in bands).
     */
    public static Image resizeRows(Image im, int outWidth, int outHeight, int y0, int rows) {
        if (y0 < 0 || rows < 1 || y0 + rows > outHeight) {
            throw new IllegalArgumentException("bicubic: rows [" + y0 + ", " + (y0 + rows) + ") outside 0.." + outHeight);
        }
        double cx = (double) outWidth / im.width();
        double cy = (double) outHeight / im.height();
        Plan py = plan(im.height(), outHeight, cy);
        int t = py.taps();
        Plan band = new Plan(py.in(), rows, t, Arrays.copyOfRange(py.index(), y0 * t, (y0 + rows) * t),
                Arrays.copyOfRange(py.weight(), y0 * t, (y0 + rows) * t));
        return apply(im, plan(im.width(), outWidth, cx), band, cx, cy);
    }

    /**
     * The {@code imresize} of one dimension as a dense matrix: {@code m[o*in + i]} is input i's weight in output o, for
     * {@code in -> in*factor} in scale mode (mirrored taps folded into their pixel). Applied to rows and then columns it
     * is {@link #resize} to {@code factor} times the size, which lets a backend upscale whole batches with two GEMMs.
     */
    public static double[] upscaleMatrix(int in, int factor) {
        if (in < 1 || factor < 1) {
            throw new IllegalArgumentException("bicubic: expected a positive length and factor, got " + in + ", "
                    + factor);
        }
        Plan p = plan(in, in * factor, factor);
        double[] m = new double[p.out() * in];
        for (int o = 0; o < p.out(); o++) {
            for (int j = 0; j < p.taps(); j++) {
                m[o * in + p.index()[o * p.taps() + j]] += p.weight()[o * p.taps() + j];
            }
        }
        return m;
    }

    private static Image apply(Image im, Plan px, Plan py, double cx, double cy) {
        if (cy <= cx) {
            return columns(rows(im, py), px);
        }
        return rows(columns(im, px), py);
    }

    static Plan plan(int in, int out, double scale) {
        return PLANS.computeIfAbsent(new Key(in, out, scale), k -> buildPlan(in, out, scale));
    }

    private static Plan buildPlan(int in, int out, double scale) {
        boolean shrink = scale < 1;
        double width = shrink ? 4 / scale : 4;
        int taps = (int) Math.ceil(width) + 2;
        int[] index = new int[out * taps];
        double[] weight = new double[out * taps];
        for (int x = 1; x <= out; x++) {
            double u = x / scale + 0.5 * (1 - 1 / scale);
            long left = (long) Math.floor(u - width / 2);
            double sum = 0;
            int row = (x - 1) * taps;
            for (int j = 0; j < taps; j++) {
                long pos = left + j; // 1-based
                double d = u - pos;
                double w = shrink ? scale * cubic(scale * d) : cubic(d);
                weight[row + j] = w;
                sum += w;
                index[row + j] = mirror(pos, in) - 1;
            }
            for (int j = 0; j < taps; j++) {
                weight[row + j] /= sum;
            }
        }
        return new Plan(in, out, taps, index, weight);
    }

    /** MATLAB's symmetric index: aux = [1..n, n..1], index = aux(mod(pos-1, 2n) + 1). */
    static int mirror(long pos, int n) {
        long m = Math.floorMod(pos - 1, 2L * n);
        return (int) (m < n ? m + 1 : 2L * n - m);
    }

    /** Resamples the vertical dimension. */
    private static Image rows(Image im, Plan p) {
        int w = im.width();
        int h = im.height();
        float[] src = im.data();
        float[] dst = new float[3 * w * p.out];
        double[] acc = new double[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < p.out; y++) {
                Arrays.fill(acc, 0);
                for (int j = 0; j < p.taps; j++) {
                    double wt = p.weight[y * p.taps + j];
                    if (wt == 0) {
                        continue;
                    }
                    int off = (c * h + p.index[y * p.taps + j]) * w;
                    for (int x = 0; x < w; x++) {
                        acc[x] += wt * src[off + x];
                    }
                }
                int o = (c * p.out + y) * w;
                for (int x = 0; x < w; x++) {
                    dst[o + x] = (float) acc[x];
                }
            }
        }
        return new Image(w, p.out, dst);
    }

    /** Resamples the horizontal dimension. */
    private static Image columns(Image im, Plan p) {
        int w = im.width();
        int h = im.height();
        float[] src = im.data();
        float[] dst = new float[3 * p.out * h];
        for (int r = 0; r < 3 * h; r++) {
            int in = r * w;
            int o = r * p.out;
            for (int x = 0; x < p.out; x++) {
                double acc = 0;
                int t = x * p.taps;
                for (int j = 0; j < p.taps; j++) {
                    acc += p.weight[t + j] * src[in + p.index[t + j]];
                }
                dst[o + x] = (float) acc;
            }
        }
        return new Image(p.out, h, dst);
    }
}
