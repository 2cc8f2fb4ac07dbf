package dev.tdsr.data;

import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * How an LR image is made from an HR image in [0,1]: optional Gaussian blur, MATLAB-style bicubic downscale by
 * {@code scale} ({@link Bicubic}), optional additive Gaussian noise, optional 8-bit quantisation. LR size is
 * {@code ceil(HR/scale)}: 150, 75, 38 for 300 at 2, 4, 8.
 *
 * <p>Defaults are ours (the paper gives none): {@link #bicubic(int)} = no blur, no noise, quantised to 8 bit (test
 * LR images are 8-bit files). The blur variant follows the "BD" benchmark setting (7x7, sigma 1.6) and noise is
 * given on the 0..255 scale (10 is usual); both from training.md section 5. Blur pads by mirroring like
 * {@link Bicubic}. Values are clipped to [0,1] whenever noise or quantisation is on.
 *
 * @param scale      downscale factor (2, 4, 8, ...)
 * @param blurSigma  Gaussian blur sigma in HR pixels before downscaling, 0 = off
 * @param blurSize   odd blur kernel size (7 in the BD setting)
 * @param noiseSigma additive Gaussian noise sigma on the 0..255 scale after downscaling, 0 = off
 * @param quantize   round LR values to the 256 levels of an 8-bit image
 */
public record Degradation(int scale, double blurSigma, int blurSize, double noiseSigma, boolean quantize)
        implements LrSource {
    public Degradation {
        if (scale < 1 || blurSigma < 0 || noiseSigma < 0 || (blurSigma > 0 && (blurSize < 1 || blurSize % 2 == 0))) {
            throw new IllegalArgumentException("degradation: need scale >= 1, sigmas >= 0 and an odd blur size, got "
                    + scale + ", " + blurSigma + ", " + blurSize + ", " + noiseSigma);
        }
    }

    /** Plain bicubic downscale, quantised to 8 bit. */
    public static Degradation bicubic(int scale) {
        return new Degradation(scale, 0, 7, 0, true);
    }

    /** The "BD" setting: 7x7 Gaussian blur with sigma 1.6, then bicubic downscale. */
    public static Degradation blurred(int scale) {
        return new Degradation(scale, 1.6, 7, 0, true);
    }

    /** Bicubic downscale then Gaussian noise of {@code sigma} on the 0..255 scale. */
    public static Degradation noisy(int scale, double sigma) {
        return new Degradation(scale, 0, 7, sigma, true);
    }

    /** The on-the-fly LR: {@code hr} degraded (the sample's own LR file, if any, is not consulted). */
    @Override
    public Image lr(Sample sample, Image hr, UnaryOperator<Image> follow, SplittableRandom rng) {
        return apply(hr, rng);
    }

    /** The LR image; {@code rng} is used only for noise (may be null when noise is off). */
    public Image apply(Image hr, SplittableRandom rng) {
        Image src = blurSigma > 0 ? gaussianBlur(hr, blurSigma, blurSize) : hr;
        Image lr = Bicubic.downscale(src, scale);
        float[] d = lr.data();
        if (noiseSigma > 0) {
            float s = (float) (noiseSigma / 255);
            for (int i = 0; i < d.length; i++) {
                d[i] += s * (float) rng.nextGaussian();
            }
        }
        if (noiseSigma > 0 || quantize) {
            for (int i = 0; i < d.length; i++) {
                float v = Math.min(1f, Math.max(0f, d[i]));
                d[i] = quantize ? Math.round(v * 255f) / 255f : v;
            }
        }
        return lr;
    }

    /** Separable normalised Gaussian blur with mirrored borders. */
    static Image gaussianBlur(Image im, double sigma, int size) {
        double[] k = new double[size];
        double sum = 0;
        for (int i = 0; i < size; i++) {
            int d = i - size / 2;
            k[i] = Math.exp(-d * d / (2 * sigma * sigma));
            sum += k[i];
        }
        for (int i = 0; i < size; i++) {
            k[i] /= sum;
        }
        int w = im.width();
        int h = im.height();
        float[] src = im.data();
        float[] tmp = new float[src.length];
        float[] dst = new float[src.length];
        for (int r = 0; r < 3 * h; r++) { // horizontal pass
            for (int x = 0; x < w; x++) {
                double acc = 0;
                for (int i = 0; i < size; i++) {
                    acc += k[i] * src[r * w + Bicubic.mirror(x + i - size / 2 + 1, w) - 1];
                }
                tmp[r * w + x] = (float) acc;
            }
        }
        for (int c = 0; c < 3; c++) { // vertical pass
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double acc = 0;
                    for (int i = 0; i < size; i++) {
                        acc += k[i] * tmp[(c * h + Bicubic.mirror(y + i - size / 2 + 1, h) - 1) * w + x];
                    }
                    dst[(c * h + y) * w + x] = (float) acc;
                }
            }
        }
        return new Image(w, h, dst);
    }
}
