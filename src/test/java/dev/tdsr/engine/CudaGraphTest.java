package dev.tdsr.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.testing.GradCheck;
import dev.tdsr.testing.TestBackends;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * CUDA graphs (tdsr_cuda_graph_*, {@link CudaBackend#capture}) on device 0; skipped, with the reason, where there is
 * no GPU. The captured "step" is the device-side tail of a training step: a loss into a slot, its gradient, the NaN
 * flag and a guarded SGD update whose lr comes from a device tensor, so each replay changes the state the next one
 * reads, and an lr that changes between replays must reach them (the eager steps use the same lr schedule).
 */
class CudaGraphTest {
    private static final int STEPS = 10;

    /** The tensors of one small iterated step (all kept: the graph holds their addresses). */
    private record State(Tensor x, Tensor target, Tensor dx, Tensor buf, Tensor flag, Tensor slots, Tensor hyper) {
        static State create(Backend b) {
            SplittableRandom r = new SplittableRandom(12);
            return new State(GradCheck.random(b, DType.F32, r, -2, 2, 3, 5, 17),
                    GradCheck.random(b, DType.F32, r, -2, 2, 3, 5, 17), b.allocate(DType.F32, 3, 5, 17).keep(),
                    b.allocate(DType.F32, 255).keep(), b.allocate(DType.F32, 1).keep(),
                    b.allocate(DType.F64, 1).keep(), b.allocate(DType.F64, 2).keep());
        }

        /** The lr of step i (1-based): changes every step, so a frozen lr would show. */
        void schedule(int i) {
            hyper.write(new double[] {0.5 / i, i});
        }

        void step(Backend b) {
            b.mseForwardTo(x, target, slots, 0, 1);
            b.mseBackward(x, target, 1, dx);
            b.fill(flag, 1);
            b.finiteFlag(dx, flag);
            b.sgdStep(x.reshape(255), dx.reshape(255), buf, flag, hyper, Double.NaN, 0.9, 0); // lr from hyper
        }
    }

    @Test
    void replaysEqualEagerStepsAndAllocateNothing() {
        CudaBackend gpu = TestBackends.cudaOrSkip();
        State eager = State.create(gpu);
        State graphed = State.create(gpu);
        double[] eagerLoss = new double[STEPS];
        double[] graphLoss = new double[STEPS];
        for (int i = 0; i < STEPS; i++) {
            eager.schedule(i + 1);
            eager.step(gpu);
            eagerLoss[i] = gpu.readDoubles(eager.slots())[0];
        }
        graphed.schedule(1);
        graphed.step(gpu); // the eager warm-up: every block the step needs is now cached
        graphLoss[0] = gpu.readDoubles(graphed.slots())[0];
        try (CudaGraph graph = gpu.capture(() -> graphed.step(gpu))) {
            MemoryStats before = gpu.memory();
            for (int i = 1; i < STEPS; i++) {
                graphed.schedule(i + 1); // a host write between replays, outside the graph
                graph.launch();
                graphLoss[i] = gpu.readDoubles(graphed.slots())[0];
            }
            MemoryStats after = gpu.memory();
            assertEquals(before.rawAllocations(), after.rawAllocations(), before + " -> " + after);
        }
        for (int i = 0; i < STEPS; i++) {
            assertEquals(eagerLoss[i], graphLoss[i], 1e-6 * Math.abs(eagerLoss[i]), "step " + (i + 1));
        }
        float[] a = gpu.readFloats(eager.x());
        float[] g = gpu.readFloats(graphed.x());
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], g[i], 1e-6 * Math.max(1, Math.abs(a[i])), "x[" + i + "]");
        }
    }

    @Test
    void aCaptureThatWouldCallCudaMallocFailsClearlyAndTheDeviceStaysUsable() {
        CudaBackend gpu = TestBackends.cudaOrSkip();
        EngineException e = assertThrows(EngineException.class,
                () -> gpu.capture(() -> gpu.allocate(DType.F32, 1L << 28).close())); // 1 GiB: not in the cache
        assertTrue(e.getMessage().contains("inside a CUDA graph capture"), e.getMessage());
        try (Scope s = Scope.open()) {
            Tensor t = gpu.allocate(DType.F32, 7).fill(2);
            assertEquals(14.0, gpu.sum(t), 0.0);
        }
    }
}
