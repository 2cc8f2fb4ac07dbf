package dev.tdsr.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.testing.GradCheck;
import dev.tdsr.testing.TestBackends;
import dev.tdsr.testing.TestBackends.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The GPU suite: every op forward and backward on CUDA device 0 against the CPU twin, on the same fresh random inputs
 * (odd sizes, batch 1), fp32, outputs poisoned with NaN before each op so an element a kernel forgets shows. Skipped,
 * with the reason, where there is no GPU (this machine and CI); see README "Status" for what has run on one.
 */
class CudaParityTest {
    private static final long SEED = 20261201L;

    /** An op on one backend: builds its inputs from {@code rnd}, runs, returns the tensors to compare. */
    private interface Op {
        List<Tensor> run(Backend b, SplittableRandom rnd);
    }

    private static Tensor in(Backend b, SplittableRandom rnd, long... shape) {
        return GradCheck.random(b, DType.F32, rnd, -2, 2, shape);
    }

    /** An output the op must overwrite entirely. */
    private static Tensor poisoned(Backend b, long... shape) {
        Tensor t = b.allocate(DType.F32, shape).keep();
        b.fill(t, Double.NaN);
        return t;
    }

    /** A parameter gradient the op accumulates into. */
    private static Tensor zeros(Backend b, long... shape) {
        return b.allocate(DType.F32, shape).keep();
    }

    private static void parity(String what, Op op) {
        parity(what, Tolerance.F32, op);
    }

    private static void parity(String what, Tolerance tol, Op op) {
        Backend gpu = TestBackends.cudaOrSkip();
        List<float[]> expected = outputs(TestBackends.cpu(), op);
        List<float[]> actual = outputs(gpu, op);
        assertEquals(expected.size(), actual.size(), what);
        for (int k = 0; k < expected.size(); k++) {
            float[] e = expected.get(k), a = actual.get(k);
            assertEquals(e.length, a.length, what + " output " + k);
            for (int i = 0; i < e.length; i++) {
                final int at = i, out = k;
                assertTrue(tol.accepts(e[i], a[i]),
                        () -> what + " output " + out + "[" + at + "]: cpu " + e[at] + ", gpu " + a[at]);
            }
        }
    }

    private static List<float[]> outputs(Backend b, Op op) {
        try (Scope s = Scope.open()) {
            List<float[]> out = new ArrayList<>();
            for (Tensor t : op.run(b, new SplittableRandom(SEED))) {
                out.add(b.readFloats(t));
            }
            return out;
        }
    }

    @Test
    void activations() {
        parity("relu", (b, r) -> {
            Tensor x = in(b, r, 1, 3, 7, 5), y = poisoned(b, 1, 3, 7, 5), dx = poisoned(b, 1, 3, 7, 5);
            b.reluForward(x, y);
            b.reluBackward(x, in(b, r, 1, 3, 7, 5), dx);
            return List.of(y, dx);
        });
        for (int alphas : new int[] {1, 3}) {
            parity("prelu alpha " + alphas, (b, r) -> {
                Tensor x = in(b, r, 1, 3, 7, 5), a = in(b, r, alphas), y = poisoned(b, 1, 3, 7, 5);
                Tensor dx = poisoned(b, 1, 3, 7, 5), da = zeros(b, alphas);
                b.preluForward(x, a, y);
                b.preluBackward(x, a, in(b, r, 1, 3, 7, 5), dx, da);
                return List.of(y, dx, da);
            });
        }
    }

    @Test
    void elementwiseAndChannelOps() {
        parity("add/sub/scale/axpy", (b, r) -> {
            Tensor x = in(b, r, 1, 5, 9, 3), z = in(b, r, 1, 5, 9, 3), y = in(b, r, 1, 5, 9, 3);
            Tensor s = poisoned(b, 1, 5, 9, 3), d = poisoned(b, 1, 5, 9, 3), k = poisoned(b, 1, 5, 9, 3);
            b.add(x, z, s);
            b.sub(x, z, d);
            b.scale(x, -0.75, k);
            b.axpy(0.5, x, y);
            return List.of(s, d, k, y);
        });
        parity("channel affine", (b, r) -> {
            Tensor x = in(b, r, 1, 3, 11, 7), a = in(b, r, 3), c = in(b, r, 3), y = poisoned(b, 1, 3, 11, 7);
            Tensor dx = poisoned(b, 1, 3, 11, 7), da = zeros(b, 3), dc = zeros(b, 3);
            b.channelAffineForward(x, a, c, y);
            b.channelAffineBackward(x, a, in(b, r, 1, 3, 11, 7), dx, da, dc);
            return List.of(y, dx, da, dc);
        });
        parity("concat/split", (b, r) -> {
            Tensor p = in(b, r, 1, 2, 5, 3), q = in(b, r, 1, 3, 5, 3), y = poisoned(b, 1, 5, 5, 3);
            b.concatChannels(List.of(p, q), y);
            Tensor sp = poisoned(b, 1, 2, 5, 3), sq = in(b, r, 1, 3, 5, 3);
            b.splitChannels(y, List.of(sp, sq), false);
            b.splitChannels(y, List.of(sp, sq), true);
            return List.of(y, sp, sq);
        });
    }

    @Test
    void poolingNormalisationAndLayout() {
        parity("maxpool 3/2 ceil", (b, r) -> {
            Tensor x = in(b, r, 1, 3, 11, 9), y = poisoned(b, 1, 3, 5, 4), dx = poisoned(b, 1, 3, 11, 9);
            PoolSpec p = PoolSpec.of(3, 2, 0, true);
            b.maxPool2dForward(x, y, p);
            b.maxPool2dBackward(x, in(b, r, 1, 3, 5, 4), dx, p);
            return List.of(y, dx);
        });
        parity("l2norm", (b, r) -> {
            Tensor x = in(b, r, 1, 5, 7, 3), s = in(b, r, 5), y = poisoned(b, 1, 5, 7, 3);
            Tensor dx = poisoned(b, 1, 5, 7, 3), ds = zeros(b, 5);
            b.l2NormForward(x, s, y, 1e-10);
            b.l2NormBackward(x, s, in(b, r, 1, 5, 7, 3), dx, ds, 1e-10);
            return List.of(y, dx, ds);
        });
        parity("rows layout and crop", (b, r) -> {
            Tensor x = in(b, r, 1, 4, 3, 5), rows = poisoned(b, 1, 70), back = poisoned(b, 1, 4, 3, 5);
            b.nchwToRows(x, rows, 7);
            b.rowsToNchw(rows, back, 7);
            Tensor big = in(b, r, 1, 2, 9, 8), win = poisoned(b, 1, 2, 4, 5), dbig = poisoned(b, 1, 2, 9, 8);
            b.crop2dForward(big, win, 3, 2);
            b.crop2dBackward(win, dbig, 3, 2);
            return List.of(back, win, dbig);
        });
    }

    @Test
    void srganOps() {
        parity("leaky relu", (b, r) -> {
            Tensor x = in(b, r, 1, 3, 7, 5), y = poisoned(b, 1, 3, 7, 5), dx = poisoned(b, 1, 3, 7, 5);
            b.leakyReluForward(x, y, 0.2);
            b.leakyReluBackward(x, in(b, r, 1, 3, 7, 5), dx, 0.2);
            return List.of(y, dx);
        });
        for (boolean training : new boolean[] {true, false}) {
            parity("batch norm " + (training ? "training" : "inference"), (b, r) -> {
                Tensor x = in(b, r, 2, 5, 7, 3), g = in(b, r, 5), be = in(b, r, 5), rm = in(b, r, 5);
                Tensor rv = GradCheck.random(b, DType.F32, r, 0.5, 2, 5);
                Tensor sm = poisoned(b, 5), si = poisoned(b, 5), y = poisoned(b, 2, 5, 7, 3);
                Tensor dx = poisoned(b, 2, 5, 7, 3), dg = zeros(b, 5), db = zeros(b, 5);
                b.batchNormForward(x, g, be, rm, rv, sm, si, y, training, 0.1, 1e-5);
                b.batchNormBackward(x, g, sm, si, in(b, r, 2, 5, 7, 3), dx, dg, db, training);
                return List.of(y, rm, rv, sm, si, dx, dg, db);
            });
        }
        parity("pixel shuffle", (b, r) -> {
            Tensor x = in(b, r, 1, 12, 5, 3), y = poisoned(b, 1, 3, 10, 6), dx = poisoned(b, 1, 12, 5, 3);
            b.pixelShuffleForward(x, y, 2);
            b.pixelShuffleBackward(in(b, r, 1, 3, 10, 6), dx, 2);
            return List.of(y, dx);
        });
        parity("bce with logits", (b, r) -> {
            Tensor x = in(b, r, 37, 3), t = GradCheck.random(b, DType.F32, r, 0, 1, 37, 3), dx = poisoned(b, 37, 3);
            Tensor loss = b.allocate(DType.F32, 1).keep();
            b.write(loss, new float[] {(float) b.bceLogitsForward(x, t)});
            b.bceLogitsBackward(x, t, 0.5, dx);
            return List.of(loss, dx);
        });
    }

    @Test
    void lossesOptimizersAndReductions() {
        parity("mse, smooth-l1, softmax cross-entropy", Tolerance.F32, (b, r) -> {
            Tensor p = in(b, r, 1, 3, 13, 7), t = in(b, r, 1, 3, 13, 7), w = in(b, r, 1, 3, 13, 7);
            Tensor dp = poisoned(b, 1, 3, 13, 7), dl = poisoned(b, 1, 3, 13, 7);
            Tensor mse = b.allocate(DType.F32, 2).keep();
            b.write(mse, new float[] {(float) b.mseForward(p, t), (float) b.smoothL1Forward(p, t, w)});
            Tensor slots = b.allocate(DType.F64, 3).keep(); // the device-side loss slots of a training step
            b.mseForwardTo(p, t, slots, 0, 2);
            b.smoothL1ForwardTo(p, t, w, slots, 1, 3);
            b.weightedSumTo(p, w, slots, 2, 5);
            Tensor slots32 = b.allocate(DType.F32, 3).keep();
            double[] sv = b.readDoubles(slots);
            b.write(slots32, new float[] {(float) sv[0], (float) sv[1], (float) sv[2]});
            b.mseBackward(p, t, 0.3, dp);
            b.smoothL1Backward(p, t, w, 0.7, dl);
            Tensor logits = in(b, r, 37, 21), labels = b.allocate(DType.I32, 37).keep();
            int[] lv = new int[37];
            for (int i = 0; i < lv.length; i++) {
                lv[i] = r.nextInt(21);
            }
            b.write(labels, lv);
            Tensor rowLoss = poisoned(b, 37), dlogits = poisoned(b, 37, 21), probs = poisoned(b, 37, 21);
            b.softmaxCrossEntropyForward(logits, labels, rowLoss);
            b.softmaxCrossEntropyBackward(logits, labels, in(b, r, 37), dlogits);
            b.softmaxRows(logits, probs);
            // the flagged twins of a captured step: two bad labels (rows 5 and 30), first bad row into the flags
            lv[30] = 21;
            lv[5] = -3;
            Tensor badLabels = b.allocate(DType.I32, 37).keep();
            b.write(badLabels, lv);
            Tensor flags = b.allocate(DType.F64, 2).keep();
            Tensor flaggedLoss = b.allocate(DType.F32, 37).keep().fill(0), flaggedD = b.allocate(DType.F32, 37, 21)
                    .keep().fill(0);
            b.softmaxCrossEntropyForward(logits, badLabels, flaggedLoss, flags, 0);
            b.softmaxCrossEntropyBackward(logits, badLabels, null, flaggedD, flags, 1);
            double[] fv = b.readDoubles(flags);
            Tensor flags32 = b.allocate(DType.F32, 2).keep();
            b.write(flags32, new float[] {(float) fv[0], (float) fv[1]});
            // a factor read on the device (the loss weights of a captured step)
            Tensor factor = b.allocate(DType.F32, 1).keep();
            b.write(factor, new float[] {-0.37f});
            Tensor scaled = poisoned(b, 1, 3, 13, 7);
            b.scaleBy(p, factor, scaled);
            return List.of(mse, slots32, dp, dl, rowLoss, dlogits, probs, flaggedLoss, flaggedD, flags32, scaled);
        });
        // the selection must be exact: 0/1 either way; losses from a few values so ties decide (the lower prior wins)
        parity("hard-negative mining, 6 x 8732 priors", new Tolerance(0, 0), (b, r) -> {
            int n = 6, p = 8732;
            float[] lossValues = {0, -0f, 0.5f, 1, 2, Float.NaN, Float.POSITIVE_INFINITY, 3.25f};
            float[] lv = new float[n * p];
            int[] labelValues = new int[n * p];
            for (int i = 0; i < lv.length; i++) {
                lv[i] = r.nextInt(3) == 0 ? (float) r.nextDouble(0, 4) : lossValues[r.nextInt(lossValues.length)];
                labelValues[i] = r.nextInt(100) == 0 ? 1 + r.nextInt(20) : 0;
            }
            Tensor rowLoss = b.allocate(DType.F32, n * p).keep(), labels = b.allocate(DType.I32, n * p).keep();
            b.write(rowLoss, lv);
            b.write(labels, labelValues);
            Tensor selected = poisoned(b, n * p);
            b.mineHardNegatives(rowLoss, labels, n, 3, selected);
            return List.of(selected);
        });
        parity("sgd and adam on a slab", (b, r) -> {
            Tensor p = in(b, r, 1001), g = in(b, r, 1001), buf = zeros(b, 1001), m = zeros(b, 1001), v = zeros(b, 1001);
            Tensor q = in(b, r, 1001);
            b.sgdStep(p, g, buf, null, null, 0.01, 0.9, 5e-4);
            b.adamStep(q, g, m, v, null, null, 3, 1e-3, 0.9, 0.999, 1e-8, 0);
            // the device-side NaN guard: a flag over a slab with one NaN stops both updates on the device
            Tensor bad = in(b, r, 1001);
            float[] bv = b.readFloats(bad);
            bv[500] = Float.NaN;
            b.write(bad, bv);
            Tensor flag = b.allocate(DType.F32, 1).keep().fill(1), stopped = in(b, r, 1001), sm = zeros(b, 1001);
            b.finiteFlag(g, flag);
            b.finiteFlag(bad, flag);
            b.adamStep(stopped, g, sm, sm, flag, null, 1, 1e-3, 0.9, 0.999, 1e-8, 0);
            b.sgdStep(stopped, g, sm, flag, null, 0.01, 0.9, 0);
            return List.of(p, buf, q, m, v, flag, stopped, sm);
        });
        parity("sum and all-finite", (b, r) -> {
            Tensor x = in(b, r, 100003);
            Tensor out = b.allocate(DType.F32, 2).keep();
            b.write(out, new float[] {(float) b.sum(x), b.allFinite(x) ? 1 : 0});
            return List.of(out);
        });
    }

    @Test
    void convolutionsAndGemm() {
        parity("conv 3x3/s1/p1 and 8x8/s4/p2 forward, backward", (b, r) -> {
            List<Tensor> out = new ArrayList<>();
            for (int[] k : new int[][] {{3, 1, 1, 13}, {8, 4, 2, 19}}) {
                int kk = k[0], size = k[3];
                ConvSpec s = ConvSpec.of(k[1], k[2]);
                int o = (size + 2 * k[2] - kk) / k[1] + 1;
                Tensor x = in(b, r, 1, 3, size, size), w = in(b, r, 5, 3, kk, kk), bias = in(b, r, 5);
                Tensor y = poisoned(b, 1, 5, o, o), dx = poisoned(b, 1, 3, size, size);
                Tensor dw = zeros(b, 5, 3, kk, kk), db = zeros(b, 5), dy = in(b, r, 1, 5, o, o);
                b.conv2dForward(x, w, bias, y, s);
                b.conv2dBackwardInput(dy, w, dx, s);
                b.conv2dBackwardParams(dy, x, dw, db, s);
                out.addAll(List.of(y, dx, dw, db));
            }
            return out;
        });
        parity("deconv 12x12/s8/p2 (D-DBPN 8x) forward, backward", (b, r) -> {
            ConvSpec s = ConvSpec.of(8, 2);
            Tensor x = in(b, r, 1, 3, 5, 5), w = in(b, r, 3, 2, 12, 12), bias = in(b, r, 2);
            Tensor y = poisoned(b, 1, 2, 40, 40), dx = poisoned(b, 1, 3, 5, 5), dy = in(b, r, 1, 2, 40, 40);
            Tensor dw = zeros(b, 3, 2, 12, 12), db = zeros(b, 2);
            b.deconv2dForward(x, w, bias, y, s);
            b.deconv2dBackwardInput(dy, w, dx, s);
            b.deconv2dBackwardParams(dy, x, dw, db, s);
            return List.of(y, dx, dw, db);
        });
        parity("gemm", (b, r) -> {
            Tensor a = in(b, r, 17, 33), c = in(b, r, 33, 9), y = poisoned(b, 17, 9);
            b.gemm(a, c, y);
            return List.of(y);
        });
    }

    @Test
    void tensorsMoveBetweenDevicesUnchanged() {
        Backend gpu = TestBackends.cudaOrSkip();
        Backend cpu = TestBackends.cpu();
        try (Scope s = Scope.open()) {
            Tensor host = in(cpu, new SplittableRandom(SEED), 3, 1001);
            Tensor dev = gpu.allocate(DType.F32, 3, 1001);
            Tensor back = cpu.allocate(DType.F32, 3, 1001);
            gpu.copy(dev, host);
            cpu.copy(back, dev);
            org.junit.jupiter.api.Assertions.assertArrayEquals(cpu.readFloats(host), cpu.readFloats(back));
        }
    }

    @Test
    void stagedCopiesArriveBeforeTheJoiningStreamsNextOp() {
        Backend gpu = TestBackends.cudaOrSkip();
        SplittableRandom rnd = new SplittableRandom(SEED);
        try (Scope s = Scope.open(); ComputeStream stream = gpu.openStream();
             ComputeStream.Binding bound = stream.bind()) {
            List<float[]> values = new ArrayList<>();
            List<Tensor> staged = new ArrayList<>();
            for (int k = 0; k < 6; k++) { // more than the ring's four slots, sizes growing: buffers are regrown
                float[] v = new float[1000 * (k + 1) + 3];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextDouble(-5, 5);
                }
                Tensor t = gpu.allocate(DType.F32, v.length);
                gpu.fill(t, Double.NaN);
                gpu.stage(t, v);
                values.add(v);
                staged.add(t);
            }
            gpu.joinStaged();
            for (int k = 0; k < staged.size(); k++) {
                Tensor doubled = gpu.allocate(DType.F32, values.get(k).length);
                gpu.scale(staged.get(k), 2.0, doubled);
                float[] got = gpu.readFloats(doubled);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(2 * values.get(k)[i], got[i], 0f, "staged copy " + k + " [" + i + "]");
                }
            }
        }
    }

    @Test
    void threadsOnStreamsOfTheirOwnComputeWhatOneThreadDoes() throws Exception {
        Backend gpu = TestBackends.cudaOrSkip();
        Op op = (b, r) -> {
            Tensor x = in(b, r, 2, 5, 31, 29), y = poisoned(b, 2, 5, 31, 29);
            b.reluForward(x, y);
            return List.of(y);
        };
        List<float[]> expected = outputs(gpu, op);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            List<java.util.concurrent.Future<List<float[]>>> runs = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                runs.add(pool.submit(() -> {
                    try (ComputeStream stream = gpu.openStream(); ComputeStream.Binding bound = stream.bind()) {
                        List<float[]> last = null;
                        for (int rep = 0; rep < 20; rep++) {
                            last = outputs(gpu, op);
                        }
                        return last;
                    }
                }));
            }
            for (java.util.concurrent.Future<List<float[]>> f : runs) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(0), f.get().get(0));
            }
        } finally {
            pool.shutdown();
        }
    }
}
