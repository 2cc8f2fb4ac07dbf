package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.data.SyntheticDataset;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.PriorBoxes;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop on tiny networks (DBPN x4 base 8/feat 16/T 2, SSD 272 at width 1/16, 2 classes, batch 2, 68x68 LR):
 * same seed = same losses; stop + checkpoint + resume = an uninterrupted run, bit for bit; a failing checkpoint
 * write leaves the previous one resumable; the NaN guard names the bad part.
 */
class TrainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Path data;
    static Path detector;
    static List<StepMetrics> straight;

    @BeforeAll
    static void setUp() throws IOException {
        data = tinyData(tmp);
        detector = tinyDetector(tmp);
        try (Trainer t = Trainer.start(tiny("straight", 6, 3), CpuBackend.get(), quiet())) {
            t.run();
        }
        straight = steps(tmp.resolve("straight"));
    }

    /** 10 synthetic images of 96x96, 2 classes, in {@code dir}/data. */
    static Path tinyData(Path dir) throws IOException {
        Path d = dir.resolve("data");
        new SyntheticDataset(96, 2, 5).write(d, SyntheticDataset.Layout.VOC, 10);
        return d;
    }

    /** A random 272-input, width-1/16 SSD for 2 classes (+ background) saved in {@code dir}/detector. */
    static Path tinyDetector(Path dir) throws IOException {
        Path p = dir.resolve("detector");
        Ssd d = new Ssd(new SsdConfig(272, 1.0 / 16, 3, PriorBoxes.Sizes.VOC, false), CpuBackend.get(), DType.F32, 9);
        ModelFiles.save(p, d);
        d.parameters().close();
        return p;
    }

    /** TDSR, two stages (the second with the task loss), lr decay inside the second stage. */
    static TrainConfig tiny(String out, long steps, int checkpointEvery) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mode", "tdsr").put("data", data.toString()).put("detector", detector.toString())
                .put("out", tmp.resolve(out).toString()).put("steps", steps).put("schedule", "2:1:0+4:1:0.5")
                .put("batch", 2).put("lr", 1e-3).put("scale", 4).put("ssdInput", 272).put("ssdWidth", 1.0 / 16)
                .put("dbpnBase", 8).put("dbpnFeat", 16).put("dbpnStages", 2).put("workers", 0)
                .put("checkpointEvery", checkpointEvery).put("logEvery", 1).put("seed", 3);
        n.putArray("lrDecayAt").add(4);
        return TrainConfig.fromJson(n, "test");
    }

    /** Issue 17 #2: a second train on a folder in use fails before touching it, naming the folder and the owner. */
    @Test
    void aRunFolderIsOwnedByOneTrainer() throws IOException {
        TrainConfig cfg = tiny("locked", 3, 100);
        Path out = tmp.resolve("locked");
        try (Trainer first = Trainer.start(cfg, CpuBackend.get(), quiet())) {
            String config = Files.readString(out.resolve("config.json"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Trainer.start(cfg, CpuBackend.get(), quiet()));
            assertTrue(e.getMessage().startsWith("run folder " + out + " is in use by another training process (pid "
                    + ProcessHandle.current().pid() + " on "), e.getMessage());
            assertTrue(e.getMessage().contains(", started 20"), e.getMessage());
            assertEquals(config, Files.readString(out.resolve("config.json")));
            first.run();
            assertThrows(IllegalArgumentException.class, () -> Trainer.resume(out, 4L, CpuBackend.get(), quiet()));
        }
        assertEquals(3, steps(out).size());
        try (Trainer again = Trainer.resume(out, 4L, CpuBackend.get(), quiet())) { // released with close()
            again.run();
        }
        assertEquals(4, steps(out).size());
    }

    static Trainer.Options quiet() {
        return Trainer.Options.quiet(new PrintWriter(new StringWriter()));
    }

    /** The step lines of a run's metrics.jsonl. */
    static List<StepMetrics> steps(Path run) throws IOException {
        return MetricsLog.read(run.resolve(MetricsLog.FILE)).steps();
    }

    static void assertSameLosses(List<StepMetrics> expected, List<StepMetrics> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            StepMetrics e = expected.get(i);
            StepMetrics a = actual.get(i);
            assertEquals(e.step(), a.step(), "step " + (i + 1) + " step");
            assertEquals(e.stage(), a.stage(), "step " + (i + 1) + " stage");
            double[][] pairs = {{e.mse(), a.mse()}, {e.loc(), a.loc()}, {e.conf(), a.conf()}, {e.loss(), a.loss()},
                {e.lr(), a.lr()}};
            List<String> names = List.of("mse", "loc", "conf", "loss", "lr");
            for (int k = 0; k < pairs.length; k++) {
                // bit for bit: compare the exact doubles Jackson read back from the shortest round-trip text
                assertEquals(Double.doubleToLongBits(pairs[k][0]), Double.doubleToLongBits(pairs[k][1]),
                        "step " + (i + 1) + " " + names.get(k));
            }
        }
    }

    @Test
    void straightRunLogsEveryStepWithStagesAndLr() {
        assertEquals(6, straight.size());
        assertEquals(List.of(1, 1, 2, 2, 2, 2), straight.stream().map(StepMetrics::stage).toList());
        assertEquals(1e-3, straight.get(3).lr());
        assertEquals(1e-4, straight.get(4).lr(), 1e-18);
        assertEquals(0, straight.get(1).conf()); // beta = 0: the detector is not run
        assertTrue(straight.get(2).conf() > 0 && straight.get(2).loc() > 0);
        assertNotEquals(straight.get(0).mse(), straight.get(1).mse());
        assertTrue(Files.isRegularFile(tmp.resolve("straight/final/weights.safetensors")));
        assertTrue(Files.isRegularFile(tmp.resolve("straight/config.json")));
    }

    @Test
    void stopThenResumeGivesTheUninterruptedLossesBitForBit() throws IOException {
        Trainer[] self = new Trainer[1];
        Evaluation stopAt3 = (step, models) -> {
            if (step == 3) {
                self[0].requestStop(); // what the Ctrl-C hook does
            }
            return Map.of("psnr", (double) step);
        };
        Trainer.Options opts = new Trainer.Options(new PrintWriter(new StringWriter()), false, stopAt3, false);
        TrainConfig cfg = tiny("resumed", 6, 100).with(TrainConfig.fromJson(
                JSON.createObjectNode().put("evalEvery", 1), "test"));
        Trainer.Result first;
        try (Trainer t = Trainer.start(cfg, CpuBackend.get(), opts)) {
            self[0] = t;
            first = t.run();
        }
        assertTrue(first.stopped());
        assertEquals(3, first.step());
        assertEquals("step-00000003", first.checkpoint().getFileName().toString());
        assertThrows(IllegalArgumentException.class, () -> Trainer.start(cfg, CpuBackend.get(), opts),
                "a fresh start must refuse a folder with a run");

        try (Trainer t = Trainer.resume(tmp.resolve("resumed"), null, CpuBackend.get(), opts)) {
            self[0] = t;
            assertEquals(3, t.step());
            Trainer.Result r = t.run();
            assertEquals(6, r.step());
            assertFalse(r.stopped());
            Ssd original = ModelFiles.loadSsd(detector, CpuBackend.get(), null);
            assertArrayEquals(original.parameters().slab().toFloatArray(),
                    t.models().detector().parameters().slab().toFloatArray(), "the detector is frozen");
            original.parameters().close();
        }
        assertSameLosses(straight, steps(tmp.resolve("resumed")));
        List<MetricsLog.EvalPoint> evals = MetricsLog.read(tmp.resolve("resumed").resolve(MetricsLog.FILE)).evals();
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), evals.stream().map(MetricsLog.EvalPoint::step).toList());
        assertEquals(4.0, evals.get(3).get("psnr"));
    }

    @Test
    void branchFromAnotherRunsStageEndGivesTheUninterruptedLosses() throws IOException {
        // the parent is SR-FT-like: only the first (MSE) stage of the straight run's schedule
        TrainConfig parent = tiny("parent", 2, 100).with(TrainConfig.fromJson(
                JSON.createObjectNode().put("schedule", "2:1:0"), "test"));
        Trainer.Result p;
        try (Trainer t = Trainer.start(parent, CpuBackend.get(), quiet())) {
            p = t.run();
        }
        assertEquals("step-00000002", p.checkpoint().getFileName().toString());
        try (Trainer t = Trainer.branch(p.checkpoint(), tiny("branched", 6, 100), CpuBackend.get(), quiet())) {
            assertEquals(2, t.step());
            t.run();
        }
        assertSameLosses(straight, steps(tmp.resolve("branched")));
        assertTrue(Files.readString(tmp.resolve("branched/config.json")).contains("branchedFrom"));

        IllegalArgumentException otherStage = assertThrows(IllegalArgumentException.class, () -> Trainer.branch(
                p.checkpoint(), tiny("bad1", 6, 100).with(TrainConfig.fromJson(
                        JSON.createObjectNode().put("schedule", "1:1:0+5:1:0.5"), "test")), CpuBackend.get(),
                quiet()));
        assertTrue(otherStage.getMessage().contains("does not begin with 2:1:0"), otherStage.getMessage());
        IllegalArgumentException otherLr = assertThrows(IllegalArgumentException.class, () -> Trainer.branch(
                p.checkpoint(), tiny("bad2", 6, 100).with(TrainConfig.fromJson(
                        JSON.createObjectNode().put("lr", 5e-4), "test")), CpuBackend.get(), quiet()));
        assertTrue(otherLr.getMessage().contains("differ in lr (0.001 vs 5.0E-4)"), otherLr.getMessage());
        IllegalArgumentException earlyDecay = assertThrows(IllegalArgumentException.class, () -> Trainer.branch(
                p.checkpoint(), tiny("bad3", 6, 100).with(TrainConfig.fromJson(
                        JSON.createObjectNode().set("lrDecayAt", JSON.createArrayNode().add(1)), "test")),
                CpuBackend.get(), quiet()));
        assertTrue(earlyDecay.getMessage().contains("the lr of step 2 differs"), earlyDecay.getMessage());
        // a decay after the branch point is this run's own business
        try (Trainer t = Trainer.branch(p.checkpoint(), tiny("laterDecay", 6, 100).with(TrainConfig.fromJson(
                JSON.createObjectNode().set("lrDecayAt", JSON.createArrayNode().add(5)), "test")), CpuBackend.get(),
                quiet())) {
            assertEquals(2, t.step());
        }
    }

    @Test
    void stageEndsAreCheckpointed() throws IOException {
        try (Trainer t = Trainer.start(tiny("stages", 3, 100), CpuBackend.get(), quiet())) {
            t.run();
        }
        assertTrue(Files.isDirectory(tmp.resolve("stages/checkpoints/step-00000002")), "end of stage 1");
        assertTrue(Files.isDirectory(tmp.resolve("stages/checkpoints/step-00000003")), "end of the run");
        // Each checkpoint logs the allocator; the reader skips those lines.
        List<String> memory = Files.readAllLines(tmp.resolve("stages").resolve(MetricsLog.FILE)).stream()
                .filter(l -> l.contains("\"" + MetricsLog.MEMORY + "\""))
                .toList();
        assertEquals(2, memory.size(), memory.toString());
        assertTrue(JSON.readTree(memory.get(1)).path(MetricsLog.MEMORY).path("peak_allocated").asLong() > 0, memory.get(1));
        assertEquals(3, steps(tmp.resolve("stages")).size());
    }

    @Test
    void failedCheckpointWriteLeavesThePreviousOneResumable() throws IOException {
        Path run = tmp.resolve("diskfull");
        try (Trainer t = Trainer.start(tiny("diskfull", 4, 2), CpuBackend.get(), quiet())) {
            t.checkpointFault = dir -> {
                if (dir.getFileName().toString().startsWith("step-00000004")) {
                    throw new IOException("No space left on device");
                }
            };
            IOException e = assertThrows(IOException.class, t::run);
            assertTrue(e.getMessage().contains("No space left") && e.getMessage().contains("step-00000002"),
                    e.getMessage());
        }
        Path root = run.resolve(Trainer.CHECKPOINTS);
        assertEquals(root.resolve("step-00000002"), AtomicFiles.latest(root).orElseThrow());
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of("latest", "step-00000002"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (Trainer t = Trainer.resume(run, null, CpuBackend.get(), quiet())) {
            assertEquals(2, t.step());
            t.run();
        }
        assertSameLosses(straight.subList(0, 4), steps(run));
    }

    private static List<String> checkpoints(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run.resolve(Trainer.CHECKPOINTS))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Issue 17 #9: the newest N checkpoints (latest included) and every stage end are kept, the rest pruned. */
    @Test
    void checkpointsArePrunedToTheNewestFewPlusStageEnds() throws IOException {
        // schedule 2:1:0+4:1:0.5: stages end at steps 2 and 6; a checkpoint at every step
        try (Trainer t = Trainer.start(tiny("pruned", 6, 1), CpuBackend.get(), quiet())) {
            t.run();
        }
        assertEquals(List.of("latest", "step-00000002", "step-00000004", "step-00000005", "step-00000006"),
                checkpoints(tmp.resolve("pruned")));
        TrainConfig all = tiny("kept", 6, 1).with(TrainConfig.fromJson(
                JSON.createObjectNode().put("keepCheckpoints", 0), "test"));
        try (Trainer t = Trainer.start(all, CpuBackend.get(), quiet())) {
            t.run();
        }
        assertEquals(7, checkpoints(tmp.resolve("kept")).size());
        // a failed write prunes nothing: the latest and its predecessors stay until a successor is whole
        TrainConfig one = tiny("one", 4, 1).with(TrainConfig.fromJson(
                JSON.createObjectNode().put("keepCheckpoints", 1), "test"));
        try (Trainer t = Trainer.start(one, CpuBackend.get(), quiet())) {
            t.checkpointFault = dir -> {
                if (dir.getFileName().toString().startsWith("step-00000004")) {
                    throw new IOException("No space left on device");
                }
            };
            assertThrows(IOException.class, t::run);
        }
        assertEquals(List.of("latest", "step-00000002", "step-00000003"), checkpoints(tmp.resolve("one")));
        try (Trainer t = Trainer.resume(tmp.resolve("one"), null, CpuBackend.get(), quiet())) {
            assertEquals(3, t.step());
            t.run();
        }
        assertSameLosses(straight.subList(0, 4), steps(tmp.resolve("one")));
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson(
                JSON.createObjectNode().put("mode", "sr").put("data", "d").put("keepCheckpoints", -1), "test").resolve());
    }

    @Test
    void nanGuardNamesTheBadLossPart() throws IOException {
        TrainConfig taskFirst = tiny("nan-loc", 2, 100).with(TrainConfig.fromJson(
                JSON.createObjectNode().put("schedule", "2:1:0.5"), "test"));
        try (Trainer t = Trainer.start(taskFirst, CpuBackend.get(), quiet())) {
            t.models().detector().parameters().slab().fill(Double.NaN);
            DivergenceException e = assertThrows(DivergenceException.class, t::run);
            assertTrue(e.getMessage().startsWith("step 1: the loc loss is not finite"), e.getMessage());
            assertTrue(e.getMessage().contains("lower --lr"), e.getMessage());
        }
        TrainConfig sr = tiny("nan-mse", 2, 100).with(TrainConfig.fromJson(
                JSON.createObjectNode().put("mode", "sr").put("schedule", "2:1:0"), "test"));
        try (Trainer t = Trainer.start(sr, CpuBackend.get(), quiet())) {
            t.models().sr().parameters().slab().fill(Double.POSITIVE_INFINITY);
            DivergenceException e = assertThrows(DivergenceException.class, t::run);
            assertTrue(e.getMessage().startsWith("step 1: the mse loss is not finite"), e.getMessage());
        }
    }

    @Test
    void eightTimesOf300CropsTheSrOutputTo300() throws IOException {
        TrainConfig x8 = tiny("x8", 1, 100).with(TrainConfig.fromJson(JSON.createObjectNode().put("mode", "sr")
                .put("schedule", "1:1:0").put("scale", 8).put("ssdInput", 300), "test"));
        try (Trainer t = Trainer.start(x8, CpuBackend.get(), quiet())) {
            Trainer.Result r = t.run(); // LR 38x38 -> S gives 304x304 -> the top-left 300x300 meets the HR
            assertTrue(r.last().mse() > 0 && r.last().mse() < 1, r.last().toString());
            assertEquals(8, t.models().sr().scale());
        }
    }
}
