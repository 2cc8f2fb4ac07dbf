package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.SrResNet;
import dev.tdsr.models.Ssd;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SRGAN training in the shared loop: MSE pretraining then alternating D/G steps, the G and D losses in metrics.jsonl
 * and on the progress lines, the discriminator and its optimizer in every checkpoint, and a stopped run that resumes
 * with the uninterrupted run's losses bit for bit (G's and D's).
 */
class SrganTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Path data;
    static Path detector;
    static List<StepMetrics> straight;
    static String straightLog;

    @BeforeAll
    static void setUp() throws IOException {
        data = TrainerTest.tinyData(tmp);
        detector = TrainerTest.tinyDetector(tmp);
        StringWriter log = new StringWriter();
        try (Trainer t = Trainer.start(tiny("straight"), CpuBackend.get(),
                Trainer.Options.quiet(new PrintWriter(log)))) {
            t.run();
        }
        straight = TrainerTest.steps(tmp.resolve("straight"));
        straightLog = log.toString();
    }

    /** Two MSE steps (SRResNet), then four adversarial steps with beta 1e-3; lr decay inside the second stage. */
    static TrainConfig tiny(String out) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mode", "srgan").put("data", data.toString()).put("detector", detector.toString())
                .put("out", tmp.resolve(out).toString()).put("schedule", "2:1:0+4:1:0.001").put("batch", 2)
                .put("lr", 1e-3).put("scale", 4).put("srganChannels", 4).put("srganBlocks", 1).put("discChannels", 2)
                .put("discDense", 8).put("discCrop", 32).put("workers", 0).put("checkpointEvery", 100)
                .put("logEvery", 1).put("seed", 3);
        n.putArray("lrDecayAt").add(5);
        return TrainConfig.fromJson(n, "test");
    }

    @Test
    void pretrainingThenAdversarialStepsWithBothLosses() throws IOException {
        assertEquals(6, straight.size());
        for (int i = 0; i < 2; i++) { // SRResNet: MSE only
            assertNull(straight.get(i).adv());
            assertEquals(straight.get(i).mse(), straight.get(i).loss());
        }
        for (int i = 2; i < 6; i++) {
            StepMetrics m = straight.get(i);
            assertTrue(m.adv() > 0 && m.disc() > 0 && m.content() > 0, m.toString());
            assertEquals(m.content() + 1e-3 * m.adv(), m.loss(), 1e-12 * m.loss());
        }
        assertNotEquals(straight.get(2).disc(), straight.get(3).disc()); // D is updated
        assertTrue(straightLog.contains(" G ") && straightLog.contains(" D "), straightLog);
        Path stageEnd = tmp.resolve("straight/checkpoints/step-00000002");
        assertTrue(Files.isRegularFile(stageEnd.resolve(SrganTask.DISCRIMINATOR)));
        assertTrue(Files.isRegularFile(stageEnd.resolve(SrganTask.DISCRIMINATOR_OPTIMIZER)));
        try (SrResNet g = ModelFiles.loadSrResNet(tmp.resolve("straight/final"), CpuBackend.get())) {
            assertEquals(4, g.config().channels());
            assertTrue(g.buffers().count() > 0);
        }
    }

    @Test
    void stopThenResumeGivesTheUninterruptedLossesBitForBit() throws IOException {
        Trainer[] self = new Trainer[1];
        Evaluation stopAt4 = (step, models) -> {
            if (step == 4) {
                self[0].requestStop();
            }
            return Map.of();
        };
        Trainer.Options opts = new Trainer.Options(new PrintWriter(new StringWriter()), false, stopAt4, false);
        TrainConfig cfg = tiny("resumed").with(TrainConfig.fromJson(JSON.createObjectNode().put("evalEvery", 1),
                "test"));
        try (Trainer t = Trainer.start(cfg, CpuBackend.get(), opts)) {
            self[0] = t;
            Trainer.Result r = t.run();
            assertTrue(r.stopped());
            assertEquals(4, r.step());
        }
        try (Trainer t = Trainer.resume(tmp.resolve("resumed"), null, CpuBackend.get(), opts)) {
            self[0] = t;
            assertEquals(6, t.run().step());
            Ssd original = ModelFiles.loadSsd(detector, CpuBackend.get(), null);
            assertArrayEquals(original.parameters().slab().toFloatArray(),
                    t.models().detector().parameters().slab().toFloatArray(), "the perceptual network is frozen");
            original.parameters().close();
        }
        List<StepMetrics> resumed = TrainerTest.steps(tmp.resolve("resumed"));
        TrainerTest.assertSameLosses(straight, resumed);
        for (int i = 2; i < 6; i++) {
            for (String part : List.of("content", "adv", "disc")) {
                double e = value(straight.get(i), part);
                double a = value(resumed.get(i), part);
                assertEquals(Double.doubleToLongBits(e), Double.doubleToLongBits(a), "step " + (i + 1) + " " + part);
            }
        }
    }

    private static double value(StepMetrics m, String part) {
        return switch (part) {
            case "content" -> m.content();
            case "adv" -> m.adv();
            default -> m.disc();
        };
    }

    @Test
    void anAdversarialStageNeedsThePerceptualNetwork() {
        ObjectNode n = tiny("refused").toJson();
        n.remove("detector");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromJson(n, "test").resolve());
        assertTrue(e.getMessage().contains("--detector"), e.getMessage());
        ObjectNode big = tiny("refused").toJson().put("discCrop", 512);
        assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson(big, "test").resolve());
    }
    /**
     * An imported VGG19 (--content-network) replaces the detector's VGG16 in the content loss: the run needs no detector,
     * its adversarial steps have a VGG19 content loss, and the perceptual key is refused outside srgan mode.
     */
    @Test
    void importedVgg19IsThePerceptualNetwork() throws IOException {
        Path vgg = tmp.resolve("vgg19");
        try (dev.tdsr.models.Vgg19 v = new dev.tdsr.models.Vgg19(new dev.tdsr.models.Vgg19Config(1 / 16.0),
                CpuBackend.get(), dev.tdsr.engine.DType.F32, 5)) {
            ModelFiles.save(vgg, v);
        }
        ObjectNode n = tiny("vgg19-run").toJson();
        n.remove("detector");
        n.put("contentNetwork", vgg.toString());
        try (Trainer t = Trainer.start(TrainConfig.fromJson(n, "test"), CpuBackend.get(),
                Trainer.Options.quiet(new PrintWriter(new StringWriter())))) {
            t.run();
        }
        List<StepMetrics> run = TrainerTest.steps(tmp.resolve("vgg19-run"));
        assertEquals(6, run.size());
        assertNull(run.get(1).content()); // the MSE stage
        assertTrue(run.get(2).content() > 0 && Double.isFinite(run.get(5).loss()), run.get(2).toString());
        ObjectNode wrong = tiny("vgg19-sr").toJson().put("mode", "sr").put("schedule", "2:1:0");
        wrong.put("contentNetwork", vgg.toString());
        wrong.remove("lrDecayAt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromJson(wrong, "test").resolve());
        assertTrue(e.getMessage().startsWith("contentNetwork (--content-network): only mode srgan"), e.getMessage());
    }
}
