package dev.tdsr.cli;

import static dev.tdsr.testing.CliRun.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.testing.CliRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tdsr.api.SuperResolver;
import dev.tdsr.api.TinyModels;
import dev.tdsr.api.Upscaled;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.Npy;
import dev.tdsr.io.Npz;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sr and detect end to end on tiny random models saved with ModelFiles.save. */
class SrDetectCommandTest {

    @TempDir
    static Path dir;

    static Path sr;
    static Path ssd;
    static Path lrPng;

    @BeforeAll
    static void setUp() throws Exception {
        TinyModels.CliFixture f = TinyModels.cliFixture(dir);
        sr = f.sr();
        ssd = f.ssd();
        lrPng = f.lrPng();
    }

    @Test
    void srStreamsAnUpscaleItsHeapCouldNotHoldWhole() throws Exception {
        // 480x480 with alpha at x4: the whole result needs ~130 MiB of heap (over -Xmx96m); streamed, ~50 MiB.
        BufferedImage in = new BufferedImage(480, 480, BufferedImage.TYPE_INT_ARGB);
        BufferedImage colours = TinyModels.rgb(480, 480, 8);
        for (int y = 0; y < 480; y++) {
            for (int x = 0; x < 480; x++) {
                in.setRGB(x, y, ((x + 3 * y) % 256) << 24 | (colours.getRGB(x, y) & 0xffffff));
            }
        }
        Path big = dir.resolve("big.png");
        ImageIO.write(in, "png", big.toFile());
        Path png = dir.resolve("big-sr.png");
        Path raw = dir.resolve("big-sr.npy");
        CliRun.Result r = CliRun.runInChildJvm("96m", "sr", "--weights", sr.toString(), "--input", big.toString(),
                "--output", png.toString(), "--raw-output", raw.toString(), "--device", "cpu", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        BufferedImage out = ImageIO.read(png.toFile());
        assertEquals(1920, out.getWidth());
        assertEquals(1920, out.getHeight());
        try (SuperResolver api = SuperResolver.builder().setModel(sr).optDevice("cpu").build()) {
            Upscaled whole = api.upscaleWithRaw(ImageIO.read(big.toFile()));
            assertArrayEquals(whole.raw(), Npy.read(raw).toFloatArray());
            for (int y = 0; y < 1920; y += 7) {
                for (int x = 0; x < 1920; x += 5) {
                    assertEquals(whole.image().getRGB(x, y), out.getRGB(x, y), "pixel " + x + "," + y);
                }
            }
        }
    }

    @Test
    void srWritesThePngAndTheUnclampedRawOutput() throws Exception {
        Path png = dir.resolve("sr.png");
        Path raw = dir.resolve("sr.npy");
        CliRun.Result r = run("sr", "--model", "dbpn", "--scale", "4", "--weights", sr.toString(), "--input",
                lrPng.toString(), "--output", png.toString(), "--raw-output", raw.toString(), "--device", "cpu",
                "--threads", "1");
        assertEquals(0, r.code(), r.err());
        BufferedImage out = ImageIO.read(png.toFile());
        assertEquals(80, out.getWidth());
        assertEquals(60, out.getHeight());
        HostArray a = Npy.read(raw);
        assertArrayEquals(new long[] {1, 3, 60, 80}, a.shape());
        try (SuperResolver api = SuperResolver.builder().setModel(sr).optDevice("cpu").build()) {
            assertArrayEquals(api.upscaleWithRaw(ImageIO.read(lrPng.toFile())).raw(), a.toFloatArray());
        }
    }

    @Test
    void detectWritesCocoJsonAndTheHeads() throws Exception {
        Path in = dir.resolve("det.png");
        ImageIO.write(TinyModels.rgb(272, 272, 5), "png", in.toFile());
        Path json = dir.resolve("dets.json");
        Path raw = dir.resolve("heads.npz");
        CliRun.Result r = run("detect", "--weights", ssd.toString(), "--input", in.toString(), "--output", json.toString(),
                "--raw-output", raw.toString(), "--classes", "cat,dog,bird", "--image-id", "42", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        JsonNode dets = new ObjectMapper().readTree(json.toFile());
        assertTrue(dets.isArray() && dets.size() > 0, dets.toString());
        JsonNode d = dets.get(0);
        assertEquals(42, d.get("image_id").asInt());
        int cat = d.get("category_id").asInt();
        assertEquals(new String[] {"cat", "dog", "bird"}[cat - 1], d.get("category").asText());
        assertEquals(4, d.get("bbox").size());
        assertTrue(d.get("score").asDouble() >= dets.get(dets.size() - 1).get("score").asDouble());
        Map<String, HostArray> heads = Npz.read(raw);
        long priors = heads.get("loc").shape()[1];
        assertArrayEquals(new long[] {1, priors, 4}, heads.get("loc").shape());
        assertArrayEquals(new long[] {1, priors, 4}, heads.get("conf").shape());

        // after SR: a 68x68 input super-resolved x4 to the detector's 272
        Path small = dir.resolve("small.png");
        ImageIO.write(TinyModels.rgb(68, 68, 6), "png", small.toFile());
        r = run("detect", "--weights", ssd.toString(), "--sr-weights", sr.toString(), "--scale", "4", "--input",
                small.toString(), "--output", json.toString(), "--classes", "cat,dog,bird", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        for (JsonNode det : new ObjectMapper().readTree(json.toFile())) {
            assertTrue(det.get("bbox").get(0).asDouble() < 68 * 1.5, "boxes in the 68-pixel original frame");
        }
    }

    @Test
    void badInputIsOneErrorLineNamingTheFile() throws Exception {
        Path out = dir.resolve("x.png");
        Path missing = dir.resolve("missing.png");
        CliRun.Result r = run("sr", "--weights", sr.toString(), "--input", missing.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(missing.toString()), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        Path notImage = dir.resolve("text.png");
        Files.writeString(notImage, "not an image");
        r = run("sr", "--weights", sr.toString(), "--input", notImage.toString(), "--output", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(notImage.toString()) && r.err().contains("not a readable image"), r.err());

        r = run("sr", "--weights", ssd.toString(), "--input", lrPng.toString(), "--output", out.toString(),
                "--device", "cpu");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(ssd.toString()) && r.err().contains("expected 'dbpn'"), r.err());

        r = run("detect", "--weights", sr.toString(), "--input", lrPng.toString(), "--output",
                dir.resolve("d.json").toString(), "--device", "cpu");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(sr.toString()) && r.err().contains("expected 'ssd300'"), r.err());

        r = run("sr", "--model", "srcnn", "--weights", sr.toString(), "--input", lrPng.toString(), "--output",
                out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--model: expected dbpn"), r.err());
    }

    /** Issue 17 #3: sr refuses a JPEG cut short (it used to upscale ImageIO's grey fill and exit 0). */
    @Test
    void aTruncatedJpegIsRefused() throws Exception {
        Path[] f = dev.tdsr.data.ImageDecodeTest.jpegAndTruncated(Files.createDirectories(dir.resolve("cut")));
        Path out = dir.resolve("cut.png");
        CliRun.Result r = run("sr", "--weights", sr.toString(), "--input", f[1].toString(), "--output",
                out.toString(), "--device", "cpu", "--threads", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: " + f[1] + ": corrupt or truncated image"), r.err());
        assertTrue(!Files.exists(out));
    }
}
