package dev.tdsr.cli;

import static dev.tdsr.testing.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.api.TinyModels;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.testing.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 #4: sr/detect check --output and --raw-output before computing, never replace a folder, name the path in
 * the error (not ImageIO's "Can't create an ImageOutputStream!" or a temp file), and leave no temp file behind.
 */
class OutputPathsTest {
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

    private static CliRun.Result sr(Path output, Path raw) {
        return raw == null
                ? run("sr", "--weights", sr.toString(), "--input", lrPng.toString(), "--output", output.toString(),
                        "--device", "cpu", "--threads", "1")
                : run("sr", "--weights", sr.toString(), "--input", lrPng.toString(), "--output", output.toString(),
                        "--raw-output", raw.toString(), "--device", "cpu", "--threads", "1");
    }

    private static void assertOneLineNaming(CliRun.Result r, Path path, String what) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: " + path + ": " + what), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void srNeverReplacesAFolder() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("empty.png"));
        assertOneLineNaming(sr(folder, null), folder, "is a directory");
        assertTrue(Files.isDirectory(folder));
    }

    @Test
    void aMissingFolderIsNamedBeforeComputing() {
        Path out = dir.resolve("no-such-folder").resolve("x.png");
        assertOneLineNaming(sr(out, null), out, "folder " + out.getParent() + " does not exist");
        Path raw = dir.resolve("no-such-folder").resolve("x.npy");
        assertOneLineNaming(sr(dir.resolve("ok.png"), raw), raw, "folder " + raw.getParent() + " does not exist");
        assertFalse(Files.exists(dir.resolve("ok.png")), "checked before computing");

        Path json = dir.resolve("missing").resolve("d.json");
        CliRun.Result r = run("detect", "--weights", ssd.toString(), "--input", lrPng.toString(), "--output",
                json.toString(), "--classes", "a", "--device", "cpu", "--threads", "1");
        assertOneLineNaming(r, json, "folder " + json.getParent() + " does not exist");
    }

    @Test
    void srWritesThroughATempFileAndLeavesNoneBehind() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("clean"));
        Path out = sub.resolve("up.png");
        CliRun.Result r = sr(out, null);
        assertEquals(0, r.code(), r.err());
        assertEquals(80, ImageIO.read(out.toFile()).getWidth());
        try (Stream<Path> files = Files.list(sub)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void atomicWritesRefuseFolders() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("f"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(folder, "x"));
        assertTrue(e.getMessage().startsWith(folder + ": is a directory"), e.getMessage());
        assertTrue(Files.isDirectory(folder));
        Path deep = dir.resolve("a").resolve("b.txt");
        e = assertThrows(IOException.class, () -> AtomicFiles.writeString(deep, "x"));
        assertTrue(e.getMessage().startsWith(deep + ": folder"), e.getMessage());
    }
}
