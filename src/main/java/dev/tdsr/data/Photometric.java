package dev.tdsr.data;

import java.util.SplittableRandom;

/**
 * ssd.pytorch's PhotometricDistort with its random draws made up front: brightness, contrast before or after the
 * HSV steps, saturation, hue, channel permutation. Values stay unclipped, as in ssd.pytorch. HSV follows OpenCV's
 * float convention (H in degrees, S = (V - min)/V, V = max).
 *
 * @param brightness   added to every value (on the [0,1] scale), 0 = off
 * @param contrastFirst contrast before the HSV steps (sequence A) or after them (sequence B)
 * @param contrast     multiplier, 1 = off
 * @param saturation   S multiplier, 1 = off
 * @param hue          degrees added to H (wrapped to [0,360)), 0 = off
 * @param permutation  output channel i takes input channel permutation[i]
 */
public record Photometric(float brightness, boolean contrastFirst, float contrast, float saturation, float hue,
                          int[] permutation) {
    private static final int[][] PERMUTATIONS = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

    /** Draws each step with p 0.5 and its ssd.pytorch range. */
    public static Photometric random(SplittableRandom rng) {
        float brightness = rng.nextInt(2) == 1 ? (float) ((rng.nextDouble() * 64 - 32) / 255) : 0f;
        boolean contrastFirst = rng.nextInt(2) == 1;
        float contrast = rng.nextInt(2) == 1 ? (float) (0.5 + rng.nextDouble()) : 1f;
        float saturation = rng.nextInt(2) == 1 ? (float) (0.5 + rng.nextDouble()) : 1f;
        float hue = rng.nextInt(2) == 1 ? (float) (rng.nextDouble() * 36 - 18) : 0f;
        int[] perm = rng.nextInt(2) == 1 ? PERMUTATIONS[rng.nextInt(6)] : PERMUTATIONS[0];
        return new Photometric(brightness, contrastFirst, contrast, saturation, hue, perm.clone());
    }

    public void applyInPlace(Image im) {
        float[] d = im.data();
        int n = im.width() * im.height();
        boolean hsv = saturation != 1f || hue != 0f; // the HSV round trip alone is the identity
        float[] rgb = new float[3];
        for (int i = 0; i < n; i++) {
            rgb[0] = d[i] + brightness;
            rgb[1] = d[n + i] + brightness;
            rgb[2] = d[2 * n + i] + brightness;
            if (contrastFirst) {
                scale(rgb, contrast);
            }
            if (hsv) {
                shiftHsv(rgb, saturation, hue);
            }
            if (!contrastFirst) {
                scale(rgb, contrast);
            }
            d[i] = rgb[permutation[0]];
            d[n + i] = rgb[permutation[1]];
            d[2 * n + i] = rgb[permutation[2]];
        }
    }

    private static void scale(float[] rgb, float a) {
        rgb[0] *= a;
        rgb[1] *= a;
        rgb[2] *= a;
    }

    /** RGB -> HSV (OpenCV float), S *= sat, H += hue (wrapped), HSV -> RGB, in place. */
    static void shiftHsv(float[] rgb, float sat, float hueShift) {
        float r = rgb[0];
        float g = rgb[1];
        float b = rgb[2];
        float v = Math.max(r, Math.max(g, b));
        float min = Math.min(r, Math.min(g, b));
        float diff = v - min;
        float s = diff / (Math.abs(v) + 1.1920929e-7f);
        float k = 60f / (diff + 1.1920929e-7f);
        float h = v == r ? (g - b) * k : v == g ? (b - r) * k + 120f : (r - g) * k + 240f;
        if (h < 0) {
            h += 360f;
        }
        s *= sat;
        h += hueShift;
        if (h > 360f) {
            h -= 360f;
        } else if (h < 0f) {
            h += 360f;
        }
        // OpenCV HSV2RGB (float): sector table over {v, v(1-s), v(1-s f), v(1-s(1-f))}.
        float hh = h / 60f;
        int sector = (int) Math.floor(hh);
        float f = hh - sector;
        if (sector < 0 || sector >= 6) {
            sector = 0;
            f = 0;
        }
        float t0 = v;
        float t1 = v * (1 - s);
        float t2 = v * (1 - s * f);
        float t3 = v * (1 - s * (1 - f));
        switch (sector) {
            case 0 -> set(rgb, t0, t3, t1);
            case 1 -> set(rgb, t2, t0, t1);
            case 2 -> set(rgb, t1, t0, t3);
            case 3 -> set(rgb, t1, t2, t0);
            case 4 -> set(rgb, t3, t1, t0);
            default -> set(rgb, t0, t1, t2);
        }
    }

    private static void set(float[] rgb, float r, float g, float b) {
        rgb[0] = r;
        rgb[1] = g;
        rgb[2] = b;
    }
}
