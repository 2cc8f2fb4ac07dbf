package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.data.SyntheticDataset;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.CudaBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.MemoryStats;
import dev.tdsr.engine.OutOfMemoryException;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.PriorBoxes;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdConfig;
import dev.tdsr.testing.TestBackends;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU suite's training checks: the first 20 TDSR steps on CUDA give the CPU's losses within 1e-3 relative (TF32
 * off), steady-state steps make no raw device allocation, and a device OOM is typed and survived. Skipped, with the
 * reason, where there is no GPU.
 */
class CudaTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STEPS = 20;

    @TempDir
    Path tmp;

    private TrainConfig tdsr(Path data, Path detector, String out) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mode", "tdsr").put("data", data.toString()).put("detector", detector.toString())
                .put("out", tmp.resolve(out).toString()).put("steps", STEPS).put("schedule", "5:1:0+15:1:0.5")
                .put("batch", 2).put("lr", 1e-3).put("scale", 4).put("ssdInput", 272).put("ssdWidth", 1.0 / 16)
                .put("dbpnBase", 8).put("dbpnFeat", 16).put("dbpnStages", 2).put("workers", 0)
                .put("checkpointEvery", 100).put("logEvery", 1).put("seed", 3).put("evalEvery", 1);
        return TrainConfig.fromJson(n, "test");
    }

    /** Runs the config on a backend; memory[i] = the device allocator after step i + 1. */
    static List<StepMetrics> run(TrainConfig cfg, Backend backend, MemoryStats[] memory) throws IOException {
        Evaluation probe = (step, models) -> {
            if (memory != null && backend instanceof CudaBackend gpu) {
                memory[(int) step - 1] = gpu.memory();
            }
            return Map.of();
        };
        Trainer.Options opts = new Trainer.Options(new PrintWriter(new StringWriter()), false, probe, false);
        try (Trainer t = Trainer.start(cfg, backend, opts)) {
            t.run();
        }
        return MetricsLog.read(Path.of(cfg.out()).resolve(MetricsLog.FILE)).steps();
    }

    @Test
    void first20TdsrStepsMatchTheCpuAndMakeNoRawAllocationsOnceWarm() throws IOException {
        CudaBackend gpu = TestBackends.cudaOrSkip();
        System.setProperty("tdsr.cuda.tf32", "false");
        Path data = tmp.resolve("data");
        new SyntheticDataset(96, 2, 5).write(data, SyntheticDataset.Layout.VOC, 10);
        Path detector = tmp.resolve("detector");
        Ssd d = new Ssd(new SsdConfig(272, 1.0 / 16, 3, PriorBoxes.Sizes.VOC, false), CpuBackend.get(), DType.F32, 9);
        ModelFiles.save(detector, d);
        d.parameters().close();

        List<StepMetrics> cpu = run(tdsr(data, detector, "cpu"), CpuBackend.get(), null);
        MemoryStats[] memory = new MemoryStats[STEPS];
        List<StepMetrics> cuda = run(tdsr(data, detector, "cuda"), gpu, memory);
        assertEquals(cpu.size(), cuda.size());
        for (int i = 0; i < cpu.size(); i++) {
            StepMetrics c = cpu.get(i), g = cuda.get(i);
            double[][] pairs = {{c.mse(), g.mse()}, {c.loc(), g.loc()}, {c.conf(), g.conf()}, {c.loss(), g.loss()}};
            for (double[] p : pairs) {
                final int step = i + 1;
                assertTrue(Math.abs(p[0] - p[1]) <= 1e-3 * Math.abs(p[0]) + 1e-7,
                        () -> "step " + step + ": cpu " + p[0] + ", cuda " + p[1]);
            }
        }
        // Steps 6..20 repeat step 5's shapes (the task stage): the caching allocator serves them all.
        assertEquals(memory[4].rawAllocations(), memory[STEPS - 1].rawAllocations(),
                "raw device allocations after step 5: " + memory[4] + " -> " + memory[STEPS - 1]);
    }

    @Test
    void deviceOutOfMemoryIsTypedAndSurvived() {
        CudaBackend gpu = TestBackends.cudaOrSkip();
        long huge = 1L << 40; // 4 TiB of floats: more than any GPU has
        OutOfMemoryException e = assertThrows(OutOfMemoryException.class, () -> gpu.allocate(DType.F32, huge));
        assertTrue(e.requestedBytes() >= huge * 4, "requested " + e.requestedBytes());
        assertTrue(e.freeBytes() >= 0, "free " + e.freeBytes());
        try (Tensor small = gpu.allocate(DType.F32, 1000)) {
            gpu.fill(small, 2);
            assertEquals(2000.0, gpu.sum(small));
        }
    }
}
