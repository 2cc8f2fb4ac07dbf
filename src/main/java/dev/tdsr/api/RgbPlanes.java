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
