package dev.tdsr.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.TaskNetwork;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.GradCheck;
import dev.tdsr.train.Optimizer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's own-task-network example: its gradient is right, S trains through it, its files load back. */
class EdgeMapTaskTest {
    private final SplittableRandom rnd = new SplittableRandom(97);

    @Test
    void imageGradientMatchesFiniteDifferences() {
        EdgeMapTask t = new EdgeMapTask(GradCheck.cpu(), DType.F64, 1);
        Tensor img = GradCheck.random(rnd, 0, 1, 2, 3, 9, 7);
        Tensor target = GradCheck.random(rnd, -1, 1, 2, 1, 9, 7);
        double[] analytic;
        try (Scope sc = Scope.open()) {
            analytic = HostDoubles.read(t.lossGradient(img, target, 0.7).dImages());
        }
        GradCheck.check("edge map example dImages", img, analytic, GradCheck.sample(rnd, analytic.length, 20), () -> {
            try (Scope sc = Scope.open()) {
                return 0.7 * t.loss(img, target).total();
            }
        }).assertOk();
    }

    @Test
    void srTrainsThroughItWithTdsrAndSr4irObjectives(@TempDir Path dir) throws Exception {
        Dbpn s = new Dbpn(new DbpnConfig(4, 3, 4, 2), GradCheck.cpu(), DType.F32, 2);
        EdgeMapTask task = new EdgeMapTask(GradCheck.cpu(), DType.F32, 3);
        Tensor hr = GradCheck.random(GradCheck.cpu(), DType.F32, rnd, 0, 1, 2, 3, 32, 32);
        Tensor lr = GradCheck.random(GradCheck.cpu(), DType.F32, rnd, 0, 1, 2, 3, 8, 8);
        Tensor target = GradCheck.random(GradCheck.cpu(), DType.F32, rnd, -1, 1, 2, 1, 32, 32);
        TdsrObjective<Tensor> objective = new TdsrObjective<>(s, task, 1.0, 0.5,
                new TdsrObjective.Sr4ir(0.5, List.of("conv1"), 2, 7));
        assertTrue(!task.trainable(), "TdsrObjective freezes the task network");
        double first = 0;
        double last = 0;
        try (Optimizer adam = new Optimizer(s.parameters(), Optimizer.Settings.adam())) {
            for (int i = 0; i < 15; i++) {
                try (Scope step = Scope.open()) {
                    s.parameters().zeroGrad();
                    double loss = objective.step(lr, hr, target, i).total();
                    adam.step(1e-2);
                    first = i == 0 ? loss : first;
                    last = loss;
                }
            }
        }
        assertTrue(last < first, "the objective goes down: " + first + " -> " + last);

        task.save(dir.resolve("edge"));
        EdgeMapTask.register();
        TaskNetwork<?> back = ModelFiles.loadTaskNetwork(dir.resolve("edge"), GradCheck.cpu());
        assertInstanceOf(EdgeMapTask.class, back);
        assertArrayEquals(task.parameters().slab().toFloatArray(), back.parameters().slab().toFloatArray());
        assertEquals("edge map", back.kind());
    }
}
