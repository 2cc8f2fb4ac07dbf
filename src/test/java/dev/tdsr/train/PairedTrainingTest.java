package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.PriorBoxes;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdConfig;
import dev.tdsr.testing.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Paired data (issue 21). The core proof: training on the pairs {@code generate-dataset --write-lr} wrote gives the
 * losses of training with on-the-fly degradation on the same images, bit for bit (no augmentation, CPU), in the sr
 * and tdsr modes and in the periodic evaluation; the detector mode accepts them; bad pairs are one-line errors.
 */
class PairedTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Path data;
    static Path detector;

    @BeforeAll
    static void setUp() throws IOException {
        data = tmp.resolve("data");
        // images at the detector's input size: the loader's resize is then the identity on both paths
        CliRun.Result gen = CliRun.run("generate-dataset", "--images", "10", "--size", "272", "--classes", "2",
                "--seed", "4", "--write-lr", "4,8", "--out", data.toString());
        assertEquals(0, gen.code(), gen.err());
        detector = tmp.resolve("detector");
        Ssd d = new Ssd(new SsdConfig(272, 1.0 / 16, 3, PriorBoxes.Sizes.VOC, false), CpuBackend.get(), DType.F32, 9);
        ModelFiles.save(detector, d);
        d.parameters().close();
    }

    static ObjectNode run(String mode, String out, boolean paired, boolean augment, int scale) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mode", mode).put("data", data.toString()).put("out", tmp.resolve(out).toString()).put("batch", 2)
                .put("lr", 1e-3).put("scale", scale).put("ssdInput", 272).put("ssdWidth", 1.0 / 16)
                .put("dbpnBase", 8).put("dbpnFeat", 16).put("dbpnStages", 2).put("workers", 0)
                .put("checkpointEvery", 100).put("logEvery", 1).put("seed", 3).put("augment", augment)
                .put("evalEvery", 2).put("evalImages", 2);
        switch (mode) {
            case "tdsr" -> n.put("detector", detector.toString()).put("steps", 4).put("schedule", "2:1:0+2:1:0.5");
            case "sr" -> n.put("steps", 3);
            default -> n.put("steps", 3);
        }
        if (paired) {
            n.put("lrDir", data.resolve("LR").toString());
        }
        return n;
    }

    static MetricsLog.Contents train(ObjectNode n) throws IOException {
        TrainConfig c = TrainConfig.fromJson(n, "test");
        try (Trainer t = Trainer.start(c, CpuBackend.get(), TrainerTest.quiet())) {
            t.run();
        }
        return MetricsLog.read(Path.of(c.out()).resolve(MetricsLog.FILE));
    }

    static void assertSameEvals(MetricsLog.Contents expected, MetricsLog.Contents actual) {
        assertEquals(expected.evals().size(), actual.evals().size());
        assertFalse(expected.evals().isEmpty());
        for (int i = 0; i < expected.evals().size(); i++) {
            assertEquals(expected.evals().get(i).values().keySet(), actual.evals().get(i).values().keySet());
            for (String k : expected.evals().get(i).values().keySet()) {
                assertEquals(Double.doubleToLongBits(expected.evals().get(i).get(k)),
                        Double.doubleToLongBits(actual.evals().get(i).get(k)), "eval " + i + " " + k);
            }
        }
    }

    @Test
    void tdsrOnWrittenPairsEqualsOnTheFlyDegradationBitForBit() throws IOException {
        MetricsLog.Contents fly = train(run("tdsr", "tdsr-fly", false, false, 4));
        MetricsLog.Contents files = train(run("tdsr", "tdsr-files", true, false, 4));
        TrainerTest.assertSameLosses(fly.steps(), files.steps());
        assertTrue(files.steps().get(3).conf() > 0); // the task stage ran through the detector
        assertSameEvals(fly, files);
    }

    @Test
    void srAtEightTimesOnWrittenPairsEqualsOnTheFlyDegradationBitForBit() throws IOException {
        MetricsLog.Contents fly = train(run("sr", "sr-fly", false, false, 8));
        MetricsLog.Contents files = train(run("sr", "sr-files", true, false, 8));
        TrainerTest.assertSameLosses(fly.steps(), files.steps());
        assertSameEvals(fly, files);
    }

    @Test
    void detectorRunsAcceptPairsAndTrainOnHrAlone() throws IOException {
        MetricsLog.Contents fly = train(run("detector", "det-fly", false, true, 4));
        MetricsLog.Contents files = train(run("detector", "det-files", true, true, 4));
        TrainerTest.assertSameLosses(fly.steps(), files.steps());
    }

    @Test
    void augmentedPairsTrain() throws IOException {
        MetricsLog.Contents files = train(run("tdsr", "tdsr-aug", true, true, 4));
        assertEquals(4, files.steps().size());
        files.steps().forEach(s -> assertTrue(Double.isFinite(s.loss())));
    }

    @Test
    void trainCommandTakesLrDirAndBadPairsAreOneLineErrors() throws IOException {
        String lr = data.resolve("LR").toString();
        CliRun.Result ok = CliRun.run("train", "--mode", "sr", "--data", data.toString(), "--lr-dir", lr,
                "--steps", "1", "--batch", "2", "--scale", "4", "--workers", "0", "--out",
                tmp.resolve("cli-sr").toString(), "--config", config().toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(Files.readString(tmp.resolve("cli-sr/config.json")).contains("\"lrDir\""));

        // a damaged copy of the pairs: one LR file of the wrong size
        Path bad = tmp.resolve("bad");
        CliRun.run("generate-dataset", "--images", "5", "--size", "64", "--classes", "2", "--seed", "4",
                "--write-lr", "4", "--out", bad.toString());
        Path victim;
        try (var files = Files.list(bad.resolve("LR/x4"))) {
            victim = files.sorted().findFirst().orElseThrow();
        }
        dev.tdsr.data.Image.blank(3, 3).write(victim);
        CliRun.Result wrong = CliRun.run("train", "--mode", "sr", "--data", bad.toString(), "--lr-dir",
                bad.resolve("LR").toString(), "--steps", "1", "--batch", "1", "--workers", "0", "--out",
                tmp.resolve("cli-bad").toString(), "--config", config().toString());
        assertEquals(2, wrong.code());
        String line = wrong.err().strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains(victim + ": LR image is 3x3 but its HR image") && line.contains("must be 16x16"),
                line);

        Files.delete(victim);
        CliRun.Result missing = CliRun.run("train", "--mode", "sr", "--data", bad.toString(), "--lr-dir",
                bad.resolve("LR").toString(), "--steps", "1", "--batch", "1", "--workers", "0", "--out",
                tmp.resolve("cli-missing").toString(), "--config", config().toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().strip().contains(victim + ": no such LR file for HR image"), missing.err());

        CliRun.Result both = CliRun.run("train", "--mode", "sr", "--data", data.toString(), "--lr-dir", lr,
                "--degradation", "blur", "--out", tmp.resolve("cli-both").toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--degradation blur with --lr-dir"), both.err());
    }

    /** Tiny networks for the CLI runs. */
    private static Path config() throws IOException {
        Path f = tmp.resolve("tiny.json");
        if (!Files.exists(f)) {
            Files.writeString(f, "{\"ssdInput\": 272, \"ssdWidth\": 0.0625, \"dbpnBase\": 8, \"dbpnFeat\": 16, "
                    + "\"dbpnStages\": 2}");
        }
        return f;
    }
}
