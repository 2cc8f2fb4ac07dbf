package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.engine.CudaBackend;
import dev.tdsr.engine.MemoryStats;
import dev.tdsr.testing.TestBackends;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU suite's check of {@code --cuda-graph}: a TDSR run (small D-DBPN + small SSD, batch 2) whose steps are
 * replays of a captured CUDA graph gives the eager run's losses within 1e-5 relative (TF32 off) across an lr decay, a
 * stage change of the loss weights (replayed, not recaptured) and one of the step's kind (beta 0 to > 0, recaptured),
 * and makes no raw device allocation while it replays. Skipped, with the reason, where there is no GPU.
 */
class CudaGraphTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int STEPS = 12;

    @TempDir
    Path tmp;

    private TrainConfig config(Path data, Path detector, String out, boolean graph) {
        ObjectNode n = JSON.createObjectNode();
        n.put("mode", "tdsr").put("data", data.toString()).put("detector", detector.toString())
                .put("out", tmp.resolve(out).toString()).put("steps", STEPS).put("schedule", "2:1:0+5:1:0.5+5:0.5:2")
                .put("batch", 2).put("lr", 1e-3).put("scale", 4).put("ssdInput", 272).put("ssdWidth", 1.0 / 16)
                .put("dbpnBase", 8).put("dbpnFeat", 16).put("dbpnStages", 2).put("workers", 0)
                .put("checkpointEvery", 100).put("logEvery", 1).put("seed", 3).put("evalEvery", 1)
                .put("cudaGraph", graph);
        n.putArray("lrDecayAt").add(5);
        return TrainConfig.fromJson(n, "test");
    }

    @Test
    void replayedStepsEqualEagerStepsAndAllocateNothing() throws IOException {
        CudaBackend gpu = TestBackends.cudaOrSkip();
        System.setProperty("tdsr.cuda.tf32", "false");
        Path data = TrainerTest.tinyData(tmp);
        Path detector = TrainerTest.tinyDetector(tmp);
        // the evaluation hook of CudaTrainingTest.run records the allocator after every step
        List<StepMetrics> eager = CudaTrainingTest.run(config(data, detector, "eager", false), gpu,
                new MemoryStats[STEPS]);
        MemoryStats[] memory = new MemoryStats[STEPS];
        List<StepMetrics> graph = CudaTrainingTest.run(config(data, detector, "graph", true), gpu, memory);
        assertEquals(STEPS, graph.size());
        for (int i = 0; i < STEPS; i++) {
            StepMetrics e = eager.get(i), g = graph.get(i);
            assertEquals(e.lr(), g.lr(), "step " + (i + 1) + " lr");
            double[][] pairs = {{e.mse(), g.mse()}, {e.loc(), g.loc()}, {e.conf(), g.conf()}, {e.loss(), g.loss()}};
            for (double[] p : pairs) {
                final int step = i + 1;
                assertTrue(Math.abs(p[0] - p[1]) <= 1e-5 * Math.abs(p[0]),
                        () -> "step " + step + ": eager " + p[0] + ", graph " + p[1]);
            }
        }
        StepMetrics last = graph.get(STEPS - 1); // stage 3's weights reached the replays
        assertTrue(Math.abs(0.5 * last.mse() + 2 * (last.loc() + last.conf()) - last.loss()) <= 1e-12 * last.loss());
        // step 3 ran eagerly and captured the task step; steps 4..12 replay it (step 8 changes only the weights)
        assertEquals(memory[2].rawAllocations(), memory[STEPS - 1].rawAllocations(),
                "raw device allocations while replaying: " + memory[2] + " -> " + memory[STEPS - 1]);
    }
}
