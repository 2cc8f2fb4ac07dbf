package dev.tdsr.cli;

import static dev.tdsr.testing.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.api.TinyModels;
import dev.tdsr.testing.CliRun;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17 #6: inputs that gave stack traces are one clear error line (exit 2). */
class NoStackTraceTest {
    @TempDir
    Path dir;

    private static void assertOneLine(CliRun.Result r, String start) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: " + start), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void anEmptyStudyFileIsNamed() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.json"));
        assertOneLine(run("train", "--study", empty.toString(), "--out", dir.resolve("s").toString()),
                empty + ": empty; expected a study config");
        Path list = Files.writeString(dir.resolve("list.json"), "[1, 2]");
        assertOneLine(run("train", "--study", list.toString(), "--out", dir.resolve("s").toString()),
                list + ": expected a JSON object (a study config), got array");
        assertFalse(Files.exists(dir.resolve("s")));
    }

    @Test
    void generateDatasetBoundsItsSizes() {
        Path out = dir.resolve("d");
        assertOneLine(run("generate-dataset", "--size", "100000", "--images", "5", "--out", out.toString()),
                "synthetic dataset: need size 32..4096");
        assertOneLine(run("generate-dataset", "--size", "4096", "--images", "100000000", "--out", out.toString()),
                "synthetic dataset: 100000000 images of 4096x4096 need about");
        assertFalse(Files.exists(out));
    }

    @Test
    void aHugeImageInSrSaysHowMuchMemoryItNeeds() throws Exception {
        // Streamed, a 6000x6000 upscale x4 holds the input planes and one band of tiles: about 0.7 GiB, over -Xmx512m.
        Path sr = TinyModels.dbpn(dir.resolve("sr"), TinyModels.DBPN, 3);
        Path png = dir.resolve("big.png");
        ImageIO.write(new BufferedImage(6000, 6000, BufferedImage.TYPE_BYTE_GRAY), "png", png.toFile());
        Path out = dir.resolve("up.png");
        CliRun.Result r = CliRun.runInChildJvm("512m", "sr", "--weights", sr.toString(), "--input", png.toString(),
                "--output", out.toString(), "--device", "cpu", "--threads", "1");
        assertEquals(2, r.code(), r.err());
        String err = r.err().lines().filter(l -> !l.startsWith("SLF4J")).reduce("", (a, b) -> a + b + "\n");
        assertTrue(err.startsWith("error: upscale: streaming a 6000x6000 image at x4 (output 24000x24000) needs about "
                + "0.7 GiB of Java heap"), r.err());
        assertEquals(1, err.strip().lines().count(), r.err());
        assertFalse(Files.exists(out));
    }
}
