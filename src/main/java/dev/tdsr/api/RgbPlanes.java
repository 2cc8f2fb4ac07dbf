package dev.tdsr.api;

import dev.tdsr.data.Bicubic;
import dev.tdsr.data.Image;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;

/**
 * An image as the networks take it: planar RGB in [0,1] (CHW), plus the alpha plane when the source had one.
 *
 * <p>Conversion from any {@link BufferedImage}: component images in an RGB or grey colour space (8- or 16-bit,
 * e.g. 16-bit PNG) are read sample by sample and divided by the sample maximum, grey replicated to R, G and B (the
 * values as stored, as PIL's {@code convert('RGB')}); everything else (packed RGB/ARGB, indexed, and whatever ImageIO
 * decodes CMYK or other colour spaces to) goes through {@link BufferedImage#getRGB}, i.e. Java's conversion to 8-bit
 * sRGB. Alpha is kept non-premultiplied.
 */
record RgbPlanes(int width, int height, float[] rgb, float[] alpha) {
    static RgbPlanes of(BufferedImage bi) {
        int w = bi.getWidth();
        int h = bi.getHeight();
        int n = w * h;
        float[] rgb = new float[3 * n];
        ColorModel cm = bi.getColorModel();
        float[] alpha = cm.hasAlpha() ? new float[n] : null;
        int type = cm.getColorSpace().getType();
        boolean direct = cm instanceof ComponentColorModel && !cm.isAlphaPremultiplied()
                && (type == ColorSpace.TYPE_RGB || type == ColorSpace.TYPE_GRAY)
                && (cm.getTransferType() == DataBuffer.TYPE_BYTE || cm.getTransferType() == DataBuffer.TYPE_USHORT);
        if (direct) {
            Raster r = bi.getRaster();
            int colours = cm.getNumColorComponents();
            float[] max = new float[cm.getNumComponents()];
            for (int b = 0; b < max.length; b++) {
                max[b] = (1 << cm.getComponentSize(b)) - 1;
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = y * w + x;
                    for (int c = 0; c < 3; c++) {
                        int band = colours == 1 ? 0 : c;
                        rgb[c * n + i] = r.getSample(x, y, band) / max[band];
                    }
                    if (alpha != null) {
                        alpha[i] = r.getSample(x, y, colours) / max[colours];
                    }
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                bi.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int p = row[x];
                    int i = y * w + x;
                    rgb[i] = ((p >> 16) & 0xff) / 255f;
                    rgb[n + i] = ((p >> 8) & 0xff) / 255f;
                    rgb[2 * n + i] = (p & 0xff) / 255f;
                    if (alpha != null) {
                        alpha[i] = (p >>> 24) / 255f;
                    }
                }
            }
        }
        return new RgbPlanes(w, h, rgb, alpha);
    }

    /** The alpha plane resized bicubically to {@code w x h} and clipped to [0,1] (null when opaque). */
    float[] alphaResized(int w, int h) {
        return alpha == null ? null : alphaRows(alphaImage(), w, h, 0, h);
    }

    /** The alpha plane as the RGB image {@link Bicubic} works on (channels 1 and 2 are zero and ignored). */
    Image alphaImage() {
        float[] three = new float[3 * width * height];
        System.arraycopy(alpha, 0, three, 0, width * height);
        return new Image(width, height, three);
    }

    /** Rows [y0, y0+rows) of {@code alphaImage} resized bicubically to {@code w x h}, clipped to [0,1]. */
    static float[] alphaRows(Image alphaImage, int w, int h, int y0, int rows) {
        float[] a = Bicubic.resizeRows(alphaImage, w, h, y0, rows).data();
        float[] out = new float[w * rows];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(1f, Math.max(0f, a[i]));
        }
        return out;
    }

    /** 8-bit sRGB ({@code TYPE_INT_ARGB} with alpha, else {@code TYPE_INT_RGB}); values clipped to [0,1], rounded. */
    static BufferedImage toImage(float[] rgb, float[] alpha, int w, int h) {
        BufferedImage bi = new BufferedImage(w, h, alpha != null ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        UpscaledBand all = new UpscaledBand(0, h, w, h, rgb, alpha);
        for (int y = 0; y < h; y++) {
            bi.setRGB(0, y, w, 1, all.argbRow(y), 0, w);
        }
        return bi;
    }

    static int level(float v) {
        return Math.round(Math.min(1f, Math.max(0f, v)) * 255f);
    }
}
