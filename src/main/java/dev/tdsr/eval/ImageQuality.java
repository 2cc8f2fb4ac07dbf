package dev.tdsr.eval;

/**
 * PSNR and SSIM as the DBPN authors' MATLAB code computes them (spec/evaluation.md §3): both images are rounded to
 * 8 bit ({@code uint8(x*255)}, rounding half away from zero and saturating), {@code shave} pixels are cut from every
 * border, and the measure is taken either on the Y channel of MATLAB's {@code rgb2ycbcr}
 * ({@code Y = 16 + (65.481 R + 128.553 G + 24.966 B)} with R, G, B in [0, 1], rounded to uint8) or on R, G and B.
 *
 * <p>Images are CHW float arrays, RGB, values in [0, 1], of {@code 3 * height * width} elements.
 */
public final class ImageQuality {
    private ImageQuality() {}

    /** The channel(s) a measure is taken on. */
    public enum Channel {
        /** The luma channel, as in SR papers. */
        Y,
        /** PSNR over all three channels together; SSIM per channel, averaged. */
        RGB
    }

    /**
     * {@code 20 log10(255 / RMSE)} over the shaved 8-bit pixels (all three channels together for RGB);
     * +Infinity for identical images.
     */
    public static double psnr(float[] a, float[] b, int width, int height, int shave, Channel channel) {
        double[][] pa = planes(a, width, height, shave, channel, "a");
        double[][] pb = planes(b, width, height, shave, channel, "b");
        double sum = 0;
        long n = 0;
        for (int c = 0; c < pa.length; c++) {
            for (int i = 0; i < pa[c].length; i++) {
                double d = pa[c][i] - pb[c][i];
                sum += d * d;
            }
            n += pa[c].length;
        }
        double rmse = Math.sqrt(sum / n);
        return 20 * Math.log10(255 / rmse);
    }

    /**
     * Mean SSIM (Wang et al.'s {@code ssim_index.m}): Gaussian window 11x11, sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255,
     * {@code 'valid'} filtering (no padding). For RGB, the mean of the three channels' SSIM.
     */
    public static double ssim(float[] a, float[] b, int width, int height, int shave, Channel channel) {
        int w = width - 2 * shave;
        int h = height - 2 * shave;
        if (w < WINDOW || h < WINDOW) {
            throw new IllegalArgumentException("ssim needs at least " + WINDOW + "x" + WINDOW + " pixels after shaving "
                    + shave + ", got " + w + "x" + h);
        }
        double[][] pa = planes(a, width, height, shave, channel, "a");
        double[][] pb = planes(b, width, height, shave, channel, "b");
        double sum = 0;
        for (int c = 0; c < pa.length; c++) {
            sum += ssimPlane(pa[c], pb[c], w, h);
        }
        return sum / pa.length;
    }

    private static final int WINDOW = 11;
    private static final double C1 = (0.01 * 255) * (0.01 * 255);
    private static final double C2 = (0.03 * 255) * (0.03 * 255);
    private static final double[] GAUSSIAN = gaussian(WINDOW, 1.5);

    /** MATLAB's {@code fspecial('gaussian', n, sigma)}, normalised, row-major n x n. */
    private static double[] gaussian(int n, double sigma) {
        double[] g = new double[n * n];
        double sum = 0;
        int r = n / 2;
        for (int y = -r; y <= r; y++) {
            for (int x = -r; x <= r; x++) {
                double v = Math.exp(-(x * x + y * y) / (2 * sigma * sigma));
                g[(y + r) * n + x + r] = v;
                sum += v;
            }
        }
        for (int i = 0; i < g.length; i++) {
            g[i] /= sum;
        }
        return g;
    }

    private static double ssimPlane(double[] x, double[] y, int w, int h) {
        int ow = w - WINDOW + 1;
        int oh = h - WINDOW + 1;
        double sum = 0;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
                for (int ky = 0; ky < WINDOW; ky++) {
                    for (int kx = 0; kx < WINDOW; kx++) {
                        double g = GAUSSIAN[ky * WINDOW + kx]; // symmetric, so correlation = convolution
                        int i = (oy + ky) * w + ox + kx;
                        mx += g * x[i];
                        my += g * y[i];
                        xx += g * x[i] * x[i];
                        yy += g * y[i] * y[i];
                        xy += g * x[i] * y[i];
                    }
                }
                double sx = xx - mx * mx;
                double sy = yy - my * my;
                double sxy = xy - mx * my;
                sum += ((2 * mx * my + C1) * (2 * sxy + C2)) / ((mx * mx + my * my + C1) * (sx + sy + C2));
            }
        }
        return sum / ((double) ow * oh);
    }

    /** The shaved 8-bit planes measured: {Y} or {R, G, B}, each (width - 2 shave) x (height - 2 shave). */
    private static double[][] planes(float[] chw, int width, int height, int shave, Channel channel, String name) {
        if (width <= 0 || height <= 0 || chw.length != 3L * width * height) {
            throw new IllegalArgumentException("image " + name + ": expected 3*" + height + "*" + width + " CHW RGB values, got " + chw.length);
        }
        if (shave < 0 || 2 * shave >= width || 2 * shave >= height) {
            throw new IllegalArgumentException("shave " + shave + " leaves no pixel of a " + width + "x" + height + " image");
        }
        int w = width - 2 * shave;
        int h = height - 2 * shave;
        int plane = width * height;
        double[][] rgb = new double[3][w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    rgb[c][y * w + x] = toUint8(chw[c * plane + (y + shave) * width + x + shave] * 255.0);
                }
            }
        }
        if (channel == Channel.RGB) {
            return rgb;
        }
        double[] luma = new double[w * h];
        for (int i = 0; i < luma.length; i++) {
            luma[i] = toUint8(Y_R * rgb[0][i] + Y_G * rgb[1][i] + Y_B * rgb[2][i] + 16);
        }
        return new double[][] {luma};
    }

    /** rgb2ycbcr's Y row for uint8 input, scaled as MATLAB does ((1/255) * origT) and summed in imlincomb's order. */
    private static final double Y_R = (1 / 255.0) * 65.481;
    private static final double Y_G = (1 / 255.0) * 128.553;
    private static final double Y_B = (1 / 255.0) * 24.966;

    /** MATLAB's conversion to uint8: round half away from zero, saturate to [0, 255]. */
    private static double toUint8(double v) {
        return Math.min(255, Math.max(0, Math.round(v)));
    }
}
