package dev.tdsr.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The native hard-negative mining (tdsr_mine_hard_negatives, CPU twin) against {@link #javaMine}, the Java code
 * MultiBoxLoss ran before the op existed, kept here verbatim as the reference: the selection must be identical,
 * including ties, NaN, infinities and -0, for f32 and f64 row losses.
 */
class HardNegativeMiningTest {
    private static final Backend B = CpuBackend.get();

    /** MultiBoxLoss.mine() as it was: Java's stable sort of the ranks under Double.compare, descending. */
    static double[] javaMine(double[] rowLoss, int[] labels, int n, int p, int negPos) {
        double[] selected = new double[n * p];
        Integer[] order = new Integer[p];
        for (int i = 0; i < n; i++) {
            int base = i * p;
            int pos = 0;
            double[] rank = new double[p];
            for (int q = 0; q < p; q++) {
                boolean positive = labels[base + q] > 0;
                pos += positive ? 1 : 0;
                rank[q] = positive ? 0 : rowLoss[base + q];
                order[q] = q;
                if (positive) {
                    selected[base + q] = 1;
                }
            }
            int numNeg = Math.min(negPos * pos, p - 1);
            Arrays.sort(order, (a, c) -> Double.compare(rank[c], rank[a]));
            for (int k = 0; k < numNeg; k++) {
                selected[base + order[k]] = 1;
            }
        }
        return selected;
    }

    private static double[] nativeMine(DType dtype, double[] rowLoss, int[] labels, int n, int negPos) {
        try (Scope s = Scope.open()) {
            Tensor loss = B.allocate(dtype, rowLoss.length);
            if (dtype == DType.F32) {
                float[] f = new float[rowLoss.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) rowLoss[i];
                }
                loss.write(f);
            } else {
                loss.write(rowLoss);
            }
            Tensor lab = B.allocate(DType.I32, labels.length).write(labels);
            Tensor selected = B.allocate(dtype, rowLoss.length).fill(-1);
            B.mineHardNegatives(loss, lab, n, negPos, selected);
            if (dtype == DType.F64) {
                return B.readDoubles(selected);
            }
            float[] f = B.readFloats(selected);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
    }

    private static void agree(double[] rowLoss, int[] labels, int n, int negPos, String what) {
        int p = rowLoss.length / n;
        assertArrayEquals(javaMine(rowLoss, labels, n, p, negPos), nativeMine(DType.F64, rowLoss, labels, n, negPos),
                what + " f64");
        double[] asFloat = new double[rowLoss.length]; // the f32 op sees float losses: so must the reference
        for (int i = 0; i < asFloat.length; i++) {
            asFloat[i] = (float) rowLoss[i];
        }
        assertArrayEquals(javaMine(asFloat, labels, n, p, negPos), nativeMine(DType.F32, rowLoss, labels, n, negPos),
                what + " f32");
    }

    @Test
    void randomCasesWithManyTiesMatchJavasStableSort() {
        double[] values = {0, -0.0, 0.5, 1, 2, 1e-30, -1e-7, Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, 0.5, 2};
        SplittableRandom r = new SplittableRandom(5);
        for (int c = 0; c < 300; c++) {
            int n = 1 + r.nextInt(5);
            int p = 1 + r.nextInt(400);
            double positiveRate = r.nextInt(4) * 0.12;
            int negPos = c % 5 == 0 ? r.nextInt(6) : 3;
            double[] loss = new double[n * p];
            int[] labels = new int[n * p];
            for (int i = 0; i < loss.length; i++) {
                loss[i] = r.nextInt(4) == 0 ? r.nextDouble(0, 4) : values[r.nextInt(values.length)];
                labels[i] = r.nextDouble() < positiveRate ? 1 + r.nextInt(20) : 0;
            }
            agree(loss, labels, n, negPos, "case " + c + " (" + n + " x " + p + ")");
        }
    }

    @Test
    void ssd300AtBatchSixWithQuantisedLosses() {
        int n = 6;
        int p = 8732;
        SplittableRandom r = new SplittableRandom(9);
        double[] loss = new double[n * p];
        int[] labels = new int[n * p];
        for (int i = 0; i < loss.length; i++) {
            loss[i] = Math.round(r.nextDouble(0, 5) * 8) / 8.0;
            labels[i] = r.nextInt(250) == 0 ? 1 + r.nextInt(20) : 0;
        }
        agree(loss, labels, n, 3, "SSD300 batch 6");
    }

    @Test
    void equalLossesSelectTheLowestNegativesAndNoPositivesNoNegatives() {
        double[] loss = new double[20];
        Arrays.fill(loss, 0.25);
        int[] labels = new int[20];
        labels[4] = 1; // image 0: one positive -> negatives 0, 1, 2
        double[] want = new double[20];
        want[0] = want[1] = want[2] = want[4] = 1;
        assertArrayEquals(want, nativeMine(DType.F32, loss, labels, 2, 3)); // image 1: no positive, nothing mined
    }

    @Test
    void badArgumentsNameTheOpAndTheField() {
        try (Scope s = Scope.open()) {
            Tensor loss = B.allocate(DType.F32, 10);
            Tensor labels = B.allocate(DType.I32, 10);
            InvalidTensorArgumentException e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.mineHardNegatives(loss, labels, 3, 3, B.allocate(DType.F32, 10)));
            assertTrue(e.getMessage().contains("mine_hard_negatives: images 3 must be >= 1 and divide"), e.getMessage());
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.mineHardNegatives(loss, B.allocate(DType.F32, 10), 2, 3, B.allocate(DType.F32, 10)));
            assertTrue(e.getMessage().contains("mine_hard_negatives: labels"), e.getMessage());
            e = assertThrows(InvalidTensorArgumentException.class,
                    () -> B.mineHardNegatives(loss, labels, 2, 3, B.allocate(DType.F32, 9)));
            assertTrue(e.getMessage().contains("mine_hard_negatives"), e.getMessage());
        }
    }
}
