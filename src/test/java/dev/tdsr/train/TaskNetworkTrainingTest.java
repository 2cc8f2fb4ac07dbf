package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.data.BadInputPolicy;
import dev.tdsr.data.Batch;
import dev.tdsr.data.Datasets;
import dev.tdsr.data.Degradation;
import dev.tdsr.data.LoaderConfig;
import dev.tdsr.data.SsdAugmentation;
import dev.tdsr.data.BatchLoader;
import dev.tdsr.data.SyntheticDataset;
import dev.tdsr.data.VocSegmentationReader;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.FcnConfig;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.SegmentationTaskNetwork;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.models.TaskNetwork;
import dev.tdsr.models.TdsrObjective;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer through the task interface: S trained through a segmentation FCN (masks in the batches, the FCN's kind
 * read from its model.json, mIoU in the periodic evaluation, resume = the uninterrupted run), and SR4IR's alternating
 * updates of T (S's update leaves T alone and T's leaves S alone; T and its optimizer travel in checkpoints and
 * final/, so a resumed alternating run repeats the uninterrupted one bit for bit).
 */
class TaskNetworkTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    static Path data;
    static Path fcn;
    static Path detector;
    static Path detectionData;

    @BeforeAll
    static void setUp() throws IOException {
        data = tmp.resolve("seg-data");
        new SyntheticDataset(48, 2, 5).write(data, SyntheticDataset.Layout.VOC, 10);
        fcn = tmp.resolve("fcn");
        List<String> names = VocSegmentationReader.read(data, "trainval").classNames();
        try (SegmentationTaskNetwork net = SegmentationTaskNetwork.create(new FcnConfig(4, 3), names,
                CpuBackend.get(), 7)) {
            net.save(fcn);
        }
        detectionData = TrainerTest.tinyData(tmp);
        detector = TrainerTest.tinyDetector(tmp);
    }

    /** TDSR through the FCN: MSE, then MSE + 0.5 pixel CE, at 4x on 48x48 HR images. */
    private static TrainConfig segmentation(String out, long steps, boolean alternate) {
        return segmentation(out, steps, alternate, alternate ? 2 : 0);
    }

    private static TrainConfig segmentation(String out, long steps, boolean alternate, int patchMixGrid) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mode", "tdsr").put("data", data.toString()).put("detector", fcn.toString())
                .put("out", tmp.resolve(out).toString()).put("steps", steps).put("schedule", "2:1:0+4:1:0.5")
                .put("batch", 2).put("lr", 1e-3).put("scale", 4).put("hrSize", 48)
                .put("dbpnBase", 8).put("dbpnFeat", 16).put("dbpnStages", 2).put("workers", 0)
                .put("checkpointEvery", 100).put("logEvery", 1).put("seed", 3).put("alternate", alternate)
                .put("patchMixGrid", patchMixGrid).put("taskLr", 1e-3);
        n.putArray("lrDecayAt");
        return TrainConfig.fromJson(n, "test");
    }

    private static List<StepMetrics> train(TrainConfig c) throws IOException {
        try (Trainer t = Trainer.start(c, CpuBackend.get(), TrainerTest.quiet())) {
            t.run();
        }
        return TrainerTest.steps(Path.of(c.out()));
    }

    /** Stops after step 3 (an evaluation hook asks for it), then resumes to the end. */
    private static List<StepMetrics> stopAndResume(TrainConfig c) throws IOException {
        Trainer[] self = new Trainer[1];
        Evaluation stopAt3 = (step, models) -> {
            if (step == 3) {
                self[0].requestStop();
            }
            return Map.of();
        };
        Trainer.Options opts = new Trainer.Options(new PrintWriter(new StringWriter()), false, stopAt3, false);
        TrainConfig every = c.with(TrainConfig.fromJson(JSON.createObjectNode().put("evalEvery", 1), "test"));
        try (Trainer t = Trainer.start(every, CpuBackend.get(), opts)) {
            self[0] = t;
            assertTrue(t.run().stopped());
        }
        try (Trainer t = Trainer.resume(Path.of(c.out()), null, CpuBackend.get(), opts)) {
            self[0] = t;
            assertEquals(3, t.step());
            t.run();
        }
        return TrainerTest.steps(Path.of(c.out()));
    }

    @Test
    void sTrainsThroughTheSegmentationNetworkWithItsPixelLossAndMiou() throws IOException {
        TrainConfig c = segmentation("seg", 6, false).with(TrainConfig.fromJson(JSON.createObjectNode()
                .put("evalEvery", 3).put("evalImages", 3), "test"));
        List<StepMetrics> steps = train(c);
        assertEquals(6, steps.size());
        assertNull(steps.get(1).task(), "the MSE stage runs no task network");
        StepMetrics s = steps.get(2);
        assertNotNull(s.task());
        assertTrue(s.task() > 0, "pixel CE logged: " + s);
        assertEquals(0, s.loc());
        assertEquals(s.mse() + 0.5 * s.task(), s.loss(), 1e-9);
        List<MetricsLog.EvalPoint> evals = MetricsLog.read(tmp.resolve("seg").resolve(MetricsLog.FILE)).evals();
        assertEquals(List.of(3L, 6L), evals.stream().map(MetricsLog.EvalPoint::step).toList());
        double miou = evals.get(1).get(PeriodicEvaluation.MIOU);
        assertTrue(miou >= 0 && miou <= 1, "mIoU " + miou);
        assertTrue(evals.get(1).get(PeriodicEvaluation.PIXEL_ACC) > 0);
        assertTrue(evals.get(1).psnrY() > 0);
        // the FCN is frozen: the run's T equals the file's; S is the final model
        Dbpn s4 = ModelFiles.loadDbpn(tmp.resolve("seg/final"), CpuBackend.get(), 4);
        s4.close();
        assertFalse(Files.exists(tmp.resolve("seg/final").resolve(SrTask.TASK_NETWORK)), "T is not trained");
    }

    @Test
    void aStoppedSegmentationRunResumesToTheUninterruptedLosses() throws IOException {
        List<StepMetrics> straight = train(segmentation("seg-straight", 6, false));
        TrainerTest.assertSameLosses(straight, stopAndResume(segmentation("seg-resumed", 6, false)));
    }

    @Test
    void anAlternatingRunResumesToTheUninterruptedLossesAndSavesItsT() throws IOException {
        List<StepMetrics> straight = train(segmentation("alt-straight", 6, true));
        List<StepMetrics> frozen = train(segmentation("alt-frozen", 6, false, 2));
        TrainerTest.assertSameLosses(frozen.subList(0, 3), straight.subList(0, 3)); // T moves after step 3's S update
        assertFalse(straight.get(3).task().equals(frozen.get(3).task()), "step 4 sees the updated T");
        TrainerTest.assertSameLosses(straight, stopAndResume(segmentation("alt-resumed", 6, true)));
        for (String run : List.of("alt-straight", "alt-resumed")) {
            Path t = tmp.resolve(run).resolve("final").resolve(SrTask.TASK_NETWORK);
            assertTrue(Files.isRegularFile(t.resolve(ModelFiles.WEIGHTS)), run + ": T saved beside S");
        }
        try (TaskNetwork<?> original = ModelFiles.loadTaskNetwork(fcn, CpuBackend.get());
             TaskNetwork<?> a = ModelFiles.loadTaskNetwork(tmp.resolve("alt-straight/final/task-network"),
                     CpuBackend.get());
             TaskNetwork<?> b = ModelFiles.loadTaskNetwork(tmp.resolve("alt-resumed/final/task-network"),
                     CpuBackend.get())) {
            assertFalse(Arrays.equals(original.parameters().slab().toFloatArray(),
                    a.parameters().slab().toFloatArray()), "T was trained");
            assertArrayEquals(a.parameters().slab().toFloatArray(), b.parameters().slab().toFloatArray());
        }
    }

    /** An alternating run may branch from SR-FT's checkpoint (no T in it: T is untouched in beta-0 steps). */
    @Test
    void anAlternatingRunBranchedFromSrFtRepeatsTheStraightRun() throws IOException {
        List<StepMetrics> straight = train(segmentation("alt-straight-2", 6, true));
        Trainer.Result srFt;
        ObjectNode ft = segmentation("alt-srft", 2, false).toJson();
        ft.put("schedule", "2:1:0");
        try (Trainer t = Trainer.start(TrainConfig.fromJson(ft, "test"), CpuBackend.get(), TrainerTest.quiet())) {
            srFt = t.run();
        }
        try (Trainer t = Trainer.branch(srFt.checkpoint(), segmentation("alt-branched", 6, true), CpuBackend.get(),
                TrainerTest.quiet())) {
            t.run();
        }
        TrainerTest.assertSameLosses(straight, TrainerTest.steps(tmp.resolve("alt-branched")));
    }

    /** SR4IR's alternation on SSD: S's update leaves T's weights alone, T's update leaves S's alone. */
    @Test
    void sUpdateLeavesTAndTUpdateLeavesS() throws IOException {
        CpuBackend cpu = CpuBackend.get();
        Ssd ssd = ModelFiles.loadSsd(detector, cpu, null);
        SsdTaskNetwork t = new SsdTaskNetwork(ssd);
        Dbpn s = new Dbpn(new DbpnConfig(4, 8, 16, 2, false), cpu, DType.F32, 3);
        LoaderConfig lc = new LoaderConfig(272, 2, 0, false, SsdAugmentation.none(), Degradation.bicubic(4), 3, 0,
                true, false, LoaderConfig.DEFAULT_CACHE_BYTES, 1);
        try (BatchLoader loader = new BatchLoader(
                Datasets.open(detectionData, "trainval", null, BadInputPolicy.FAIL_FAST).nonEmpty(), lc);
             Optimizer sOpt = new Optimizer(s.parameters(), Optimizer.Settings.adam())) {
            SrTask<?> task = new SrTask<>(s, TaskTargets.of(t), TdsrObjective.Sr4ir.NONE, Optimizer.Settings.adam(),
                    1);
            Batch batch = loader.next();
            Schedule.Stage stage = Schedule.parse("1:1:0.5").stages().get(0);
            try (Scope scope = Scope.open()) {
                Tensor lr = cpu.allocate(DType.F32, batch.size(), 3, batch.lrHeight(), batch.lrWidth()).write(batch.lr());
                Tensor hr = cpu.allocate(DType.F32, batch.size(), 3, batch.hrSize(), batch.hrSize()).write(batch.hr());
                float[] t0 = t.parameters().slab().toFloatArray();
                float[] s0 = s.parameters().slab().toFloatArray();
                s.parameters().zeroGrad();
                task.step(lr, hr, batch, stage, 0, 1e-3);
                sOpt.step(1e-3);
                float[] s1 = s.parameters().slab().toFloatArray();
                assertFalse(Arrays.equals(s0, s1), "S was updated");
                assertArrayEquals(t0, t.parameters().slab().toFloatArray(), "S's update left T alone");
                assertFalse(t.trainable(), "T is frozen during S's step");
                task.afterUpdate(lr, hr, batch, stage, 0, 1e-3);
                assertFalse(Arrays.equals(t0, t.parameters().slab().toFloatArray()), "T was updated");
                assertArrayEquals(s1, s.parameters().slab().toFloatArray(), "T's update left S alone");
                assertFalse(t.trainable(), "T is frozen again for S's next step");
                float[] t1 = t.parameters().slab().toFloatArray();
                task.afterUpdate(lr, hr, batch, Schedule.parse("1:1:0").stages().get(0), 1, 1e-3);
                assertArrayEquals(t1, t.parameters().slab().toFloatArray(), "no T update in an MSE stage");
            }
            task.close();
        } finally {
            s.close();
            t.close();
        }
    }

    @Test
    void aTaskNetworkOfAnotherKindOrModeIsRefusedNamingIt() {
        ObjectNode n = segmentation("bad-mode", 2, false).toJson();
        n.put("mode", "sr").put("schedule", "2:1:0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trainer.start(
                TrainConfig.fromJson(n, "test"), CpuBackend.get(), TrainerTest.quiet()));
        assertTrue(e.getMessage().contains("not an SSD") && e.getMessage().contains("mode tdsr"), e.getMessage());
        ObjectNode alt = JSON.createObjectNode().put("mode", "sr").put("data", "x").put("alternate", true);
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromJson(alt, "test").resolve());
        assertTrue(a.getMessage().contains("alternate"), a.getMessage());
    }
}
