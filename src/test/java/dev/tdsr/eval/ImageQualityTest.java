package dev.tdsr.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.eval.ImageQuality.Channel;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Hand-computed PSNR/SSIM cases on 8-bit values (v/255 floats round back to v). */
class ImageQualityTest {
    private static float[] constant(int w, int h, int level) {
        float[] x = new float[3 * w * h];
        Arrays.fill(x, level / 255f);
        return x;
    }

    @Test
    void oneLevelOffsetOnEveryValueGives48_13dB() {
        // Every 8-bit value differs by exactly 1: MSE = 1, PSNR = 20 log10(255 / 1) = 20 * 2.40654 = 48.1308 dB.
        int w = 8, h = 8;
        float[] a = new float[3 * w * h];
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 200) / 255f;
            b[i] = (i % 200 + 1) / 255f;
        }
        assertEquals(48.1308, ImageQuality.psnr(a, b, w, h, 0, Channel.RGB), 1e-4);
    }

    @Test
    void yChannelOfBlackAgainstWhite() {
        // Y(black) = 16, Y(white) = 16 + 65.481 + 128.553 + 24.966 = 235: every Y differs by 219.
        // PSNR = 20 log10(255 / 219) = 20 * (2.406540 - 2.340444) = 1.32192 dB
        assertEquals(1.32192, ImageQuality.psnr(constant(4, 4, 0), constant(4, 4, 255), 4, 4, 0, Channel.Y), 1e-4);
    }

    @Test
    void shaveRemovesTheBorder() {
        // 6x6 at level 100. b: the outer ring +50 on all channels, and pixel (y=1, x=2) +12 in G only.
        int w = 6, h = 6;
        float[] a = constant(w, h, 100);
        float[] b = constant(w, h, 100);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (y == 0 || x == 0 || y == h - 1 || x == w - 1) {
                    for (int c = 0; c < 3; c++) {
                        b[c * w * h + y * w + x] = 150 / 255f;
                    }
                }
            }
        }
        b[w * h + w + 2] = 112 / 255f;
        // shave 1: 4x4x3 = 48 values, one differs by 12: MSE = 144/48 = 3, PSNR = 10 log10(65025/3)
        //          = 10 * log10(21675) = 10 * 4.335960 = 43.3596 dB
        assertEquals(43.3596, ImageQuality.psnr(a, b, w, h, 1, Channel.RGB), 1e-3);
        // shave 2: only rows/columns 2..3 remain, the changed pixel (row 1) is gone: identical -> +Infinity
        assertEquals(Double.POSITIVE_INFINITY, ImageQuality.psnr(a, b, w, h, 2, Channel.RGB));
        // shave 0: the ring counts too: MSE = (20 px * 3 * 50^2 + 144)/108 = 1390.2, PSNR = 10 log10(46.77) = 16.70 dB
        assertEquals(16.70, ImageQuality.psnr(a, b, w, h, 0, Channel.RGB), 1e-2);
    }

    @Test
    void differencesBelowHalfALevelVanishInTheRoundingTo8Bit() {
        float[] a = constant(4, 4, 100);
        float[] b = new float[a.length];
        Arrays.fill(b, 100.4f / 255f);
        assertEquals(Double.POSITIVE_INFINITY, ImageQuality.psnr(a, b, 4, 4, 0, Channel.RGB));
    }

    @Test
    void ssimOfIdenticalImagesIsOne() {
        int w = 16, h = 14;
        float[] a = new float[3 * w * h];
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble();
        }
        assertEquals(1.0, ImageQuality.ssim(a, a.clone(), w, h, 1, Channel.Y), 1e-12);
        assertEquals(1.0, ImageQuality.ssim(a, a.clone(), w, h, 0, Channel.RGB), 1e-12);
    }

    @Test
    void ssimOfTwoConstantImages() {
        // Constant planes: mu = the level, sigma = 0, so SSIM = (2 m1 m2 + C1) / (m1^2 + m2^2 + C1), C1 = 2.55^2 = 6.5025.
        // RGB, levels 100 and 110: (22000 + 6.5025) / (10000 + 12100 + 6.5025) = 1 - 100/22106.5025 = 0.9954764
        assertEquals(0.9954764, ImageQuality.ssim(constant(12, 12, 100), constant(12, 12, 110), 12, 12, 0, Channel.RGB), 1e-6);
        // Y: 16 + 219*100/255 = 101.88 -> 102; 16 + 219*110/255 = 110.47 -> 110
        //    (2*102*110 + 6.5025) / (102^2 + 110^2 + 6.5025) = 22446.5025 / 22510.5025 = 1 - 64/22510.5025 = 0.9971569
        assertEquals(0.9971569, ImageQuality.ssim(constant(12, 12, 100), constant(12, 12, 110), 12, 12, 0, Channel.Y), 1e-6);
    }

    @Test
    void badSizesAreRejected() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> ImageQuality.ssim(constant(12, 12, 1), constant(12, 12, 1), 12, 12, 1, Channel.Y));
        assertTrue(small.getMessage().contains("10x10"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageQuality.psnr(new float[5], new float[5], 2, 2, 0, Channel.RGB));
        assertThrows(IllegalArgumentException.class, () -> ImageQuality.psnr(constant(4, 4, 1), constant(4, 4, 1), 4, 4, 2, Channel.RGB));
    }
}
