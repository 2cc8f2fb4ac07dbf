package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.engine.CpuBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SR4IR's objectives as trainer options: they act in the task-driven stages only, a run repeats itself from its seed,
 * and an SR4IR run may branch from an SR-FT checkpoint (whose steps it shares) but not from a task-driven one.
 */
class Sr4irTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Path data;
    static Path detector;

    @BeforeAll
    static void setUp() throws IOException {
        data = TrainerTest.tinyData(tmp);
        detector = TrainerTest.tinyDetector(tmp);
    }

    /** TDSR's two stages (MSE, then the task loss) with SR4IR's perceptual weight and patch mix grid. */
    private static TrainConfig run(String out, long steps, String schedule, double perceptual, int grid) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mode", "tdsr").put("data", data.toString()).put("detector", detector.toString())
                .put("out", tmp.resolve(out).toString()).put("steps", steps).put("schedule", schedule)
                .put("batch", 2).put("lr", 1e-3).put("scale", 4).put("ssdInput", 272).put("ssdWidth", 1.0 / 16)
                .put("dbpnBase", 8).put("dbpnFeat", 16).put("dbpnStages", 2).put("workers", 0)
                .put("checkpointEvery", 100).put("logEvery", 1).put("seed", 3)
                .put("perceptualWeight", perceptual).put("patchMixGrid", grid);
        n.putArray("lrDecayAt"); // none: runs of different lengths keep the same lr, so they may branch
        return TrainConfig.fromJson(n, "test");
    }

    private static List<StepMetrics> train(TrainConfig c) throws IOException {
        try (Trainer t = Trainer.start(c, CpuBackend.get(), TrainerTest.quiet())) {
            t.run();
        }
        return TrainerTest.steps(Path.of(c.out()));
    }

    @Test
    void actInTheTaskDrivenStagesOnlyAndRepeatFromTheSeed() throws IOException {
        List<StepMetrics> tdsr = train(run("tdsr", 4, "2:1:0+2:1:0.5", 0, 0));
        List<StepMetrics> sr4ir = train(run("sr4ir", 4, "2:1:0+2:1:0.5", 1, 2));
        List<StepMetrics> again = train(run("sr4ir-again", 4, "2:1:0+2:1:0.5", 1, 2));
        TrainerTest.assertSameLosses(sr4ir, again);
        TrainerTest.assertSameLosses(tdsr.subList(0, 2), sr4ir.subList(0, 2)); // the MSE stage is SR-FT's
        for (int i = 0; i < 2; i++) {
            assertNull(sr4ir.get(i).content(), "no perceptual loss in the MSE stage");
        }
        StepMetrics third = sr4ir.get(2);
        assertTrue(third.content() != null && third.content() > 0, "perceptual loss logged: " + third);
        assertEquals(third.mse() + 0.5 * (third.loc() + third.conf()) + third.content(), third.loss(), 1e-9);
        assertNotEquals(tdsr.get(2).loc(), third.loc(), "the task loss sees the patch-mixed images");
        assertNull(tdsr.get(2).content());
    }

    @Test
    void branchesFromAnSrFtCheckpointButNotFromATaskDrivenOne() throws IOException {
        List<StepMetrics> straight = train(run("straight", 4, "2:1:0+2:1:0.5", 1, 2));
        Trainer.Result srFt;
        try (Trainer t = Trainer.start(run("srft", 2, "2:1:0", 0, 0), CpuBackend.get(), TrainerTest.quiet())) {
            srFt = t.run();
        }
        try (Trainer t = Trainer.branch(srFt.checkpoint(), run("branched", 4, "2:1:0+2:1:0.5", 1, 2),
                CpuBackend.get(), TrainerTest.quiet())) {
            t.run();
        }
        TrainerTest.assertSameLosses(straight, TrainerTest.steps(tmp.resolve("branched")));

        Trainer.Result taskDriven;
        try (Trainer t = Trainer.start(run("td", 3, "2:1:0+1:1:0.5", 0, 0), CpuBackend.get(), TrainerTest.quiet())) {
            taskDriven = t.run();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trainer.branch(
                taskDriven.checkpoint(), run("bad", 4, "2:1:0+2:1:0.5", 1, 2), CpuBackend.get(),
                TrainerTest.quiet()));
        assertTrue(e.getMessage().contains("perceptualWeight"), e.getMessage());
    }

    @Test
    void otherModesRefuseTheOptionsNamingThem() {
        ObjectNode n = JSON.createObjectNode().put("mode", "sr").put("data", "x").put("perceptualWeight", 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromJson(n, "test").resolve());
        assertTrue(e.getMessage().contains("perceptualWeight") && e.getMessage().contains("--mode tdsr"),
                e.getMessage());
        ObjectNode tap = JSON.createObjectNode().put("mode", "tdsr").put("data", "x").put("detector", "d")
                .put("perceptualWeight", 1.0).put("perceptualTaps", " ");
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromJson(tap, "test").resolve());
        assertTrue(t.getMessage().contains("--perceptual-taps"), t.getMessage());
    }
}
