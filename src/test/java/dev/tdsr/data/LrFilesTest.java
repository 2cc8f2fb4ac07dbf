package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LR images from files (issue 21): the layout, the size rule, the bad-input policy, 16-bit precision. */
class LrFilesTest {
    @TempDir
    Path tmp;

    private Sample sample(String stem, int w, int h) throws IOException {
        Path hr = tmp.resolve("hr/" + stem + ".jpg");
        Files.createDirectories(hr.getParent());
        Image.blank(w, h).write(hr);
        return new Sample(stem, hr, w, h, List.of());
    }

    private static Dataset dataset(BadInputPolicy policy, Sample... samples) {
        return new Dataset("t", ClassList.of(List.of("a")), List.of(samples), new LoadSummary(policy));
    }

    private LrFiles files() throws IOException {
        Files.createDirectories(tmp.resolve("LR/x4"));
        return new LrFiles(tmp.resolve("LR"), 4).checked("--lr-dir");
    }

    @Test
    void sizeRuleIsCeilOfHrOverScaleAndAMismatchNamesBothFiles() throws IOException {
        LrFiles files = files();
        Sample s = sample("a", 30, 21); // LR must be 8x6
        Image.blank(8, 6).write(tmp.resolve("LR/x4/a.png"));
        assertEquals(8, files.read(s).width());
        Sample t = sample("b", 30, 21);
        Image.blank(7, 6).write(tmp.resolve("LR/x4/b.png"));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> files.verify(
                dataset(BadInputPolicy.SKIP, s, t)));
        assertEquals(tmp.resolve("LR/x4/b.png") + ": LR image is 7x6 but its HR image " + t.imagePath()
                + " is 30x21, so the x4 LR must be 8x6 (ceil(HR/4) per side)", e.getMessage());
        assertThrows(DatasetFormatException.class, () -> files.read(t)); // the loader checks too
    }

    @Test
    void aMissingLrFileIsAnErrorNamingTheExpectedFile() throws IOException {
        LrFiles files = files();
        Sample s = sample("img7", 16, 16);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> files.verify(dataset(BadInputPolicy.SKIP, s)));
        assertEquals(LoadSummary.Problem.MISSING_IMAGE, e.problem());
        assertTrue(e.getMessage().startsWith(tmp.resolve("LR/x4/img7.png") + ": no such LR file for HR image "),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void anUnreadableLrFileFollowsTheDatasetsPolicy() throws IOException {
        LrFiles files = files();
        Sample good = sample("good", 16, 16);
        Image.blank(4, 4).write(tmp.resolve("LR/x4/good.png"));
        Sample bad = sample("bad", 16, 16);
        Files.writeString(tmp.resolve("LR/x4/bad.png"), "not a png");
        Dataset skipped = files.verify(dataset(BadInputPolicy.SKIP, good, bad));
        assertEquals(List.of(good), skipped.samples());
        assertEquals(1, skipped.summary().count(LoadSummary.Problem.CORRUPT_IMAGE));
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> files.verify(dataset(BadInputPolicy.FAIL_FAST, good, bad)));
        assertTrue(e.getMessage().startsWith(tmp.resolve("LR/x4/bad.png") + ": not a readable LR image"),
                e.getMessage());
    }

    @Test
    void jpegLrFilesAreFoundToo() throws IOException {
        LrFiles files = files();
        Sample s = sample("j", 8, 8);
        Image.blank(2, 2).write(tmp.resolve("LR/x4/j.jpg"));
        assertEquals(tmp.resolve("LR/x4/j.jpg"), files.fileOf(s));
        assertEquals(2, files.read(s).height());
    }

    @Test
    void sixteenBitPngIsReadAtFullPrecision() throws IOException {
        LrFiles files = files();
        Sample s = sample("deep", 12, 8);
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                new int[] {16, 16, 16}, false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(3, 2);
        SplittableRandom rng = new SplittableRandom(1);
        int[][][] v = new int[3][2][3];
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                for (int c = 0; c < 3; c++) {
                    v[x][y][c] = rng.nextInt(65536);
                    raster.setSample(x, y, c, v[x][y][c]);
                }
            }
        }
        ImageIO.write(new BufferedImage(cm, raster, false, null), "png", tmp.resolve("LR/x4/deep.png").toFile());
        Image lr = files.read(s);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(v[x][y][c] / 65535f, lr.get(c, x, y), 0, "(" + x + "," + y + ") channel " + c);
                }
            }
        }
        // not the 8-bit value: the levels between k*257 are kept
        assertTrue(lr.get(0, 0, 0) * 255 != Math.round(lr.get(0, 0, 0) * 255));
    }

    @Test
    void aMissingScaleFolderIsAnErrorNamingTheLayout() throws IOException {
        Files.createDirectories(tmp.resolve("LR/x4"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LrFiles(tmp.resolve("LR"), 8).checked("--lr-dir"));
        assertEquals("--lr-dir " + tmp.resolve("LR") + ": no folder x8 in it (expected " + tmp.resolve("LR/x8")
                + "/<image>.png, the LR images of scale 8)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LrFiles(tmp.resolve("none"), 4).checked("--lr-dir"));
    }

    @Test
    void writtenPairsHoldTheDegradationExactly() throws IOException {
        Sample s = sample("w", 40, 36);
        Image hr = new Image(40, 36, new float[3 * 40 * 36]);
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < hr.data().length; i++) {
            hr.data()[i] = (float) rng.nextDouble();
        }
        hr.write(s.imagePath());
        Dataset d = dataset(BadInputPolicy.FAIL_FAST, s);
        assertEquals(1, LrFiles.write(d, tmp.resolve("LR"), Degradation.bicubic(4)));
        Image expected = Degradation.bicubic(4).apply(Image.read(s.imagePath()), null);
        Image read = new LrFiles(tmp.resolve("LR"), 4).read(s);
        assertEquals(10, read.width());
        assertEquals(9, read.height());
        for (int i = 0; i < expected.data().length; i++) {
            assertEquals(Float.floatToIntBits(expected.data()[i]), Float.floatToIntBits(read.data()[i]), "value " + i);
        }
    }
}
