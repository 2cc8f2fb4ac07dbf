package dev.tdsr.cli;

import static dev.tdsr.testing.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.api.TinyModels;
import dev.tdsr.eval.VocDevkit;
import dev.tdsr.io.TextFiles;
import dev.tdsr.testing.CliRun;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees when an input is wrong: one line naming the file, the field and what is expected. */
class MessagesTest {
    @TempDir
    static Path dir;

    static Path png;
    static Path sr;

    @BeforeAll
    static void setUp() throws IOException {
        png = dir.resolve("in.png");
        ImageIO.write(TinyModels.rgb(12, 10, 1), "png", png.toFile());
        sr = TinyModels.dbpn(dir.resolve("sr"), TinyModels.DBPN, 1);
    }

    /** sr on a model folder whose model.json holds {@code json}; returns the one error line. */
    private static String srWithModelJson(String name, byte[] json) throws IOException {
        Path m = dir.resolve(name);
        Files.createDirectories(m);
        Files.copy(sr.resolve("weights.safetensors"), m.resolve("weights.safetensors"));
        Files.write(m.resolve("model.json"), json);
        CliRun.Result r = run("sr", "--weights", m.toString(), "--input", png.toString(), "--output",
                dir.resolve(name + ".png").toString(), "--device", "cpu");
        assertEquals(2, r.code(), r.err());
        return oneErrorLine(r);
    }

    private static String oneErrorLine(CliRun.Result r) {
        String err = r.err().strip();
        assertTrue(err.startsWith("error: "), err);
        assertEquals(1, err.lines().count(), err);
        assertFalse(err.contains("Input length") || err.contains("error: null"), err);
        return err;
    }

    @Test
    void garbageModelJsonNamesTheFileAndTheEncoding() throws IOException {
        byte[] garbage = new byte[64];
        new java.util.Random(3).nextBytes(garbage);
        garbage[0] = (byte) 0xC3; // never valid UTF-8 followed by a random byte
        garbage[1] = (byte) 0x28;
        String e = srWithModelJson("garbage", garbage);
        assertTrue(e.contains("garbage/model.json: not UTF-8 text (byte 0xC3 at offset 0"), e);
        assertTrue(e.contains("expected a model description"), e);
    }

    @Test
    void utf16ModelJsonSaysUtf16() throws IOException {
        String e = srWithModelJson("utf16", "{\"model\": \"dbpn\"}".getBytes(StandardCharsets.UTF_16));
        assertTrue(e.contains("utf16/model.json: a UTF-16 text file"), e);
        assertTrue(e.contains("save it as UTF-8"), e);
    }

    @Test
    void aModelWithoutItsBlockSaysWhichBlock() throws IOException {
        String e = srWithModelJson("noblock", "{\"model\":\"dbpn\"}".getBytes(StandardCharsets.UTF_8));
        assertTrue(e.contains("noblock/model.json: \"model\": \"dbpn\" needs its config block \"dbpn\": {"), e);
        assertFalse(e.contains("expected 'dbpn'"), e);
    }

    @Test
    void anAbsurdFieldIsNamedBeforeAnythingIsAllocated() throws IOException {
        String json = Files.readString(sr.resolve("model.json")).replaceFirst("\"feat\"\\s*:\\s*16",
                "\"feat\" : 1000000000");
        assertTrue(json.contains("1000000000"), json);
        String e = srWithModelJson("feat", json.getBytes(StandardCharsets.UTF_8));
        assertTrue(e.contains("feat/model.json: does not match its weights"), e);
        assertTrue(e.contains("\"dbpn\".\"feat\" is 1000000000 but feat0.conv.weight has 16"), e);
        assertFalse(e.contains("out of memory") || e.contains("tile"), e);
    }

    @Test
    void aDetectorFolderGivenToSrSaysWhatItIs() throws IOException {
        Path ssd = TinyModels.ssd(dir.resolve("ssd"), 1);
        CliRun.Result r = run("sr", "--weights", ssd.toString(), "--input", png.toString(), "--output",
                dir.resolve("x.png").toString(), "--device", "cpu");
        String e = oneErrorLine(r);
        assertTrue(e.contains("describes a 'ssd300' model, expected 'dbpn' (a D-DBPN super-resolution model folder)"),
                e);
    }

    @Test
    void binaryVocDetectionsNameTheFile() throws IOException {
        Path f = dir.resolve("comp4_det_test_cat.txt");
        Files.write(f, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 1, (byte) 0xFF});
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(TextFiles.MalformedTextException.class,
                () -> VocDevkit.readDetections(f, "cat"));
        assertTrue(e.getMessage().startsWith(f + ": not UTF-8 text (byte 0x89 at offset 0"), e.getMessage());
        assertTrue(e.getMessage().contains("expected VOC detections"), e.getMessage());
    }

    @Test
    void anUnwritableOutputFolderSaysSo() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
        CliRun.Result r = run("generate-dataset", "--out", "/proc/ds", "--images", "4");
        String e = oneErrorLine(r);
        assertTrue(e.startsWith("error: --out /proc/ds: cannot create the dataset there"), e);
        assertTrue(e.contains("choose a writable folder"), e);
    }

    @Test
    void anUnknownStudyListsTheBuiltInOnes() {
        String e = oneErrorLine(run("train", "--study", "nosuch", "--device", "cpu"));
        assertTrue(e.contains("--study nosuch: neither a built-in study (default, quick, voc0712, coco, sr4ir)"), e);
    }

    @Test
    void zeroStepsSaysSteps() {
        String e = oneErrorLine(run("train", "--mode", "sr", "--data", dir.toString(), "--steps", "0", "--device",
                "cpu"));
        assertTrue(e.contains("--steps"), e);
        assertTrue(e.contains("expected at least 1 iteration, got 0"), e);
        assertFalse(e.contains("schedule"), e);
    }

    @Test
    void detectTellsCliUsersAboutClasses() throws IOException {
        Path ssd = TinyModels.ssd(dir.resolve("ssd3"), 2);
        Path in = dir.resolve("det.png");
        ImageIO.write(TinyModels.rgb(64, 64, 5), "png", in.toFile());
        String e = oneErrorLine(run("detect", "--weights", ssd.toString(), "--input", in.toString(), "--output",
                dir.resolve("d.json").toString(), "--device", "cpu"));
        assertTrue(e.contains("--classes"), e);
    }

    @Test
    void anExceptionWithoutAMessageSaysWhatItIs() {
        String m = ErrorHandler.message(new EOFException());
        assertTrue(m.startsWith("EOFException in MessagesTest."), m);
        assertTrue(m.contains("--verbose"), m);
    }

    @Test
    void verboseAddsTheStackTrace() {
        CliRun.Result quiet = run("train", "--study", "nosuch", "--device", "cpu");
        CliRun.Result verbose = run("train", "--study", "nosuch", "--device", "cpu", "--verbose");
        assertFalse(quiet.err().contains("\tat dev.tdsr."), quiet.err());
        assertTrue(verbose.err().contains("\tat dev.tdsr.study.ConfigLoader"), verbose.err());
    }

    @Test
    void theCliHasALoggingBackend() {
        Main.commandLine();
        org.slf4j.ILoggerFactory f = org.slf4j.LoggerFactory.getILoggerFactory();
        assertEquals("org.slf4j.simple.SimpleLoggerFactory", f.getClass().getName());
        assertTrue(org.slf4j.LoggerFactory.getLogger("dev.tdsr.api.Guard").isInfoEnabled());
    }
}
