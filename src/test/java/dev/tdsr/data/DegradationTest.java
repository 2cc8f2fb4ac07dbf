package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DegradationTest {
    private static Image gradient(int n) {
        Image im = Image.blank(n, n);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    im.set(c, x, y, (x + 2 * y + 37 * c) % 97 / 96f);
                }
            }
        }
        return im;
    }

    @Test
    void lrSizesOf300() {
        assertEquals(150, Degradation.bicubic(2).lrLength(300));
        assertEquals(75, Degradation.bicubic(4).lrLength(300));
        assertEquals(38, Degradation.bicubic(8).lrLength(300));
        Image lr = Degradation.bicubic(8).apply(gradient(300), null);
        assertEquals(38, lr.width());
        assertEquals(38, lr.height());
    }

    @Test
    void quantisedValuesAreEightBitLevelsOfTheFloatResult() {
        Image hr = gradient(64);
        Image exact = new Degradation(4, 0, 7, 0, false).apply(hr, null);
        Image q = Degradation.bicubic(4).apply(hr, null);
        for (int i = 0; i < q.data().length; i++) {
            float v = q.data()[i];
            assertEquals(Math.round(v * 255), v * 255, 1e-3);
            assertEquals(Math.min(1, Math.max(0, exact.data()[i])), v, 0.5 / 255 + 1e-6);
        }
    }

    @Test
    void noiseIsSeededAndHasTheGivenSigma() {
        Image hr = Image.blank(400, 400);
        Arrays.fill(hr.data(), 0.5f);
        Degradation d = new Degradation(2, 0, 7, 10, false);
        Image a = d.apply(hr, new SplittableRandom(5));
        Image b = d.apply(hr, new SplittableRandom(5));
        assertArrayEquals(a.data(), b.data());
        assertFalse(Arrays.equals(a.data(), d.apply(hr, new SplittableRandom(6)).data()));
        double sum = 0;
        double sq = 0;
        for (float v : a.data()) {
            sum += v - 0.5;
            sq += (v - 0.5) * (v - 0.5);
        }
        int n = a.data().length;
        assertEquals(0, sum / n, 1e-3);
        assertEquals(10 / 255.0, Math.sqrt(sq / n), 0.02 * 10 / 255.0);
    }

    @Test
    void blurKeepsConstantsAndSmoothsAnImpulse() {
        Image flat = Image.blank(16, 16);
        Arrays.fill(flat.data(), 0.25f);
        Image b = Degradation.gaussianBlur(flat, 1.6, 7);
        for (float v : b.data()) {
            assertEquals(0.25f, v, 1e-6);
        }
        Image dot = Image.blank(15, 15);
        dot.set(0, 7, 7, 1f);
        Image s = Degradation.gaussianBlur(dot, 1.6, 7);
        double g1 = Math.exp(-1 / (2 * 1.6 * 1.6));
        double norm = 0;
        for (int d = -3; d <= 3; d++) {
            norm += Math.exp(-d * d / (2 * 1.6 * 1.6));
        }
        assertEquals(1 / (norm * norm), s.get(0, 7, 7), 1e-6);
        assertEquals(g1 / (norm * norm), s.get(0, 8, 7), 1e-6);
        assertEquals(0, s.get(0, 11, 7), 0); // outside the 7x7 support
        assertThrows(IllegalArgumentException.class, () -> new Degradation(4, 1.6, 6, 0, true));
    }

    @Test
    void lrPastedAtTopLeftOfBlackCanvas() {
        Image lr = gradient(38);
        Image canvas = LrBaselines.pasteTopLeft(lr, 300, 300);
        assertEquals(lr.get(1, 37, 37), canvas.get(1, 37, 37));
        assertEquals(lr.get(2, 0, 5), canvas.get(2, 0, 5));
        assertEquals(0f, canvas.get(0, 38, 0));
        assertEquals(0f, canvas.get(2, 299, 299));
        assertEquals(0.5, LrBaselines.canvasToImage(38 / 600.0, 300, 38), 1e-12);
    }

    @Test
    void bicubicUpBaselineHasHrSize() {
        Image up = LrBaselines.bicubicUp(gradient(38), 300, 300);
        assertEquals(300, up.width());
        assertEquals(300, up.height());
    }
}
