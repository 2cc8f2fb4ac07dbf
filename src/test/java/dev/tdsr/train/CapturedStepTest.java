package dev.tdsr.train;

import static dev.tdsr.testing.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.GroundTruth;
import dev.tdsr.models.PriorBoxes;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdConfig;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.testing.CliRun;
import dev.tdsr.testing.GradCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The captured step of {@code --cuda-graph} ({@link CapturedStep}) on the CPU, where its work runs eagerly every step
 * ({@link CapturedStep.Recorder#EAGER}): static buffers for images and matching results, alpha and beta / N as device
 * factors, lr and t on the device, the loss sums, label flags and update flag read once after the step. Its losses
 * equal the eager Trainer step's within 1e-5 relative across a stage change of the weights, a stage change of the
 * step's kind (beta 0 to > 0) and lr decay; the GPU suite (CudaGraphTest) replays the same work as a CUDA graph.
 */
class CapturedStepTest {
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

    /** TDSR with an MSE stage, then two task stages of different weights; lr decay inside the second. */
    static TrainConfig config(Path out, boolean cudaGraph) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mode", "tdsr").put("data", data.toString()).put("detector", detector.toString())
                .put("out", out.toString()).put("steps", 9).put("schedule", "2:1:0+3:1:0.5+4:0.5:2")
                .put("batch", 2).put("lr", 1e-3).put("scale", 4).put("ssdInput", 272).put("ssdWidth", 1.0 / 16)
                .put("dbpnBase", 8).put("dbpnFeat", 16).put("dbpnStages", 2).put("workers", 0)
                .put("checkpointEvery", 100).put("logEvery", 1).put("seed", 3).put("cudaGraph", cudaGraph);
        n.putArray("lrDecayAt").add(4);
        return TrainConfig.fromJson(n, "test");
    }

    static List<StepMetrics> train(TrainConfig c, boolean eagerCapture) throws IOException {
        try (Trainer t = Trainer.start(c, CpuBackend.get(), TrainerTest.quiet())) {
            t.eagerCaptureForTests = eagerCapture;
            t.run();
        }
        return TrainerTest.steps(Path.of(c.out()));
    }

    static void assertClose(double expected, double actual, double rel, String what) {
        assertTrue(Math.abs(expected - actual) <= rel * Math.abs(expected), what + ": eager " + expected
                + ", captured " + actual);
    }

    @Test
    void capturedStepsEqualEagerStepsAcrossStagesAndLrDecay() throws IOException {
        List<StepMetrics> eager = train(config(tmp.resolve("eager"), false), false);
        List<StepMetrics> captured = train(config(tmp.resolve("captured"), true), true);
        assertEquals(9, captured.size());
        for (int i = 0; i < eager.size(); i++) {
            StepMetrics e = eager.get(i);
            StepMetrics c = captured.get(i);
            String at = "step " + (i + 1);
            assertEquals(e.stage(), c.stage(), at);
            assertEquals(e.lr(), c.lr(), at + " lr");
            assertClose(e.mse(), c.mse(), 1e-5, at + " mse");
            assertClose(e.loc(), c.loc(), 1e-5, at + " loc");
            assertClose(e.conf(), c.conf(), 1e-5, at + " conf");
            assertClose(e.loss(), c.loss(), 1e-5, at + " loss");
        }
        // Bit for bit on the CPU with these weights: the losses are the same sums (N divides on the host: sum/1/N is
        // sum/N), beta/N rounds to the same float either way, and alpha 1 and 0.5 scale the MSE gradient exactly
        // (measured; an alpha that is no power of two would differ in the last bits, within the 1e-5 above).
        TrainerTest.assertSameLosses(eager, captured);
        assertEquals(0, captured.get(1).conf()); // beta 0: the detector does not run
        assertTrue(captured.get(2).conf() > 0 && captured.get(5).conf() > 0);
        // the weights of stage 3 reach the step: total = alpha * mse + beta * (loc + conf)
        StepMetrics s6 = captured.get(5);
        assertEquals(3, s6.stage());
        assertClose(0.5 * s6.mse() + 2 * (s6.loc() + s6.conf()), s6.loss(), 1e-12, "stage 3 total");
    }

    @Test
    void onTheCpuTheFlagIsAClearErrorBeforeAnyStep() throws IOException {
        Path out = tmp.resolve("refused");
        try (Trainer t = Trainer.start(config(out, true), CpuBackend.get(), TrainerTest.quiet())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::run);
            assertEquals("cudaGraph (--cuda-graph) needs a CUDA device (--device cuda), not cpu", e.getMessage());
        }
        assertFalse(Files.exists(out.resolve(Trainer.CHECKPOINTS)), "no step ran");

        CliRun.Result r = run("train", "--mode", "sr", "--device", "cpu", "--cuda-graph", "--data", data.toString(),
                "--out", tmp.resolve("cli").toString(), "--steps", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().strip().startsWith("error: --cuda-graph captures the step on a GPU, but the device is cpu"),
                r.err());
        assertFalse(r.err().strip().contains("\n"), "one line: " + r.err());
        assertFalse(Files.exists(tmp.resolve("cli")));

        CliRun.Result bench = run("bench-step", "--device", "cpu", "--cuda-graph");
        assertEquals(2, bench.code(), bench.err());
        assertTrue(bench.err().strip().startsWith("error: --cuda-graph times the captured training step on a GPU: "
                + "needs --device cuda (got cpu)"), bench.err());
    }

    @Test
    void modesWithoutACapturedStepAreRefusedInTheConfig() {
        ObjectNode n = JSON.createObjectNode().put("mode", "detector").put("cudaGraph", true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromJson(n, "test").resolve());
        assertTrue(e.getMessage().startsWith("cudaGraph (--cuda-graph) captures the D-DBPN step of --mode sr and tdsr"),
                e.getMessage());
        ObjectNode mix = JSON.createObjectNode().put("mode", "tdsr").put("detector", detector.toString())
                .put("patchMixGrid", 2).put("cudaGraph", true);
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromJson(mix, "test").resolve());
        assertTrue(e.getMessage().contains("SR4IR"), e.getMessage());
    }

    /**
     * One captured step from the constructor (batch 1, the small D-DBPN): it updates and counts the step; a class the
     * detector does not have is refused by the host matching before the step, which then takes no update. (A label
     * the device cross-entropies cannot take comes back as a flag: KernelBehaviourTest.)
     */
    @Test
    void aStepUpdatesAndABatchWithAnUnknownClassIsRefusedBeforeIt() {
        CpuBackend cpu = CpuBackend.get();
        Dbpn sr = new Dbpn(DbpnConfig.small(4), cpu, DType.F32, 1);
        Ssd ssd = new Ssd(new SsdConfig(272, 1.0 / 16, 3, PriorBoxes.Sizes.VOC, false), cpu, DType.F32, 2);
        try (Scope s = Scope.open(); SsdTaskNetwork task = new SsdTaskNetwork(ssd);
             Optimizer opt = new Optimizer(sr.parameters(), Optimizer.Settings.adam())) {
            task.setTrainable(false);
            SplittableRandom r = new SplittableRandom(5);
            Tensor lr = GradCheck.random(cpu, DType.F32, r, 0, 1, 1, 3, 68, 68);
            Tensor hr = GradCheck.random(cpu, DType.F32, r, 0, 1, 1, 3, 272, 272);
            List<GroundTruth> boxes = List.of(new GroundTruth(new double[] {0.1, 0.1, 0.6, 0.7}, new int[] {1}));
            Schedule.Stage stage = Schedule.parse("1:1:0.5").stages().get(0);
            try (CapturedStep step = new CapturedStep(sr, task, opt, 1, 68, 68, 272, CapturedStep.Recorder.EAGER)) {
                CapturedStep.Outcome ok = step.step(lr, hr, boxes, stage, 1e-4);
                assertTrue(ok.updated() && ok.loss().conf() > 0);
                assertEquals(1, opt.steps());
                // class 2 is not one of the detector's 2 object classes: the host matching refuses it first
                List<GroundTruth> bad = List.of(new GroundTruth(new double[] {0.1, 0.1, 0.6, 0.7}, new int[] {2}));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> step.step(lr, hr, bad, stage, 1e-4));
                assertTrue(e.getMessage().contains("outside the detector's 2 object classes"), e.getMessage());
                assertEquals(1, opt.steps(), "a refused batch takes no step");
            }
        } finally {
            sr.close();
        }
    }
}
