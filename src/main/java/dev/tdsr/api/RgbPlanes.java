package dev.tdsr.api;

import dev.tdsr.data.Bicubic;
import dev.tdsr.data.Image;
import java.awt.image.BufferedImage;

/**
 * An image as the networks take it: planar RGB in [0,1] (CHW), plus the alpha plane when the source had one; the
 * conversion from any {@link BufferedImage} is {@link Image.Planes#of} (16-bit PNG at full precision).
 */
record RgbPlanes(int width, int height, float[] rgb, float[] alpha) {
    static RgbPlanes of(BufferedImage bi) {
        Image.Planes p = Image.Planes.of(bi);
        return new RgbPlanes(p.width(), p.height(), p.rgb(), p.alpha());
    }

    /** The alpha plane resized bicubically to {@code w x h} and clipped to [0,1] (null when opaque). */
    float[] alphaResized(int w, int h) {
        if (alpha == null) {
            return null;
        }
        int n = width * height;
        float[] three = new float[3 * n];
        System.arraycopy(alpha, 0, three, 0, n); // channels 1 and 2 are ignored; Bicubic works on RGB images
        float[] a = Bicubic.resize(new Image(width, height, three), w, h).data();
        float[] out = new float[w * h];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(1f, Math.max(0f, a[i]));
        }
        return out;
    }

    /** 8-bit sRGB ({@code TYPE_INT_ARGB} with alpha, else {@code TYPE_INT_RGB}); values clipped to [0,1], rounded. */
    static BufferedImage toImage(float[] rgb, float[] alpha, int w, int h) {
        BufferedImage bi = new BufferedImage(w, h, alpha != null ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        int n = w * h;
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int a = alpha != null ? level(alpha[i]) : 255;
                row[x] = a << 24 | level(rgb[i]) << 16 | level(rgb[n + i]) << 8 | level(rgb[2 * n + i]);
            }
            bi.setRGB(0, y, w, 1, row, 0, w);
        }
        return bi;
    }

    private static int level(float v) {
        return Math.round(Math.min(1f, Math.max(0f, v)) * 255f);
    }
}
