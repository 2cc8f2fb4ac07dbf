package dev.tdsr.eval;

import java.util.SplittableRandom;

/**
 * Resamples of a test set for a paired bootstrap: resample r draws {@code n} images with replacement, as counts per
 * image. Scoring every row of a table on the same resamples (the same seed) makes differences between rows
 * comparable resample by resample: the share of resamples in which "A beats B" says whether a gap is larger than what
 * another test set of this size could change.
 */
public final class PairedBootstrap {
    private PairedBootstrap() {}

    /** {@code resamples} rows of per-image counts (each row sums to n), drawn from {@code seed}. */
    public static int[][] counts(int n, int resamples, long seed) {
        if (n < 1 || resamples < 0) {
            throw new IllegalArgumentException("bootstrap: expected n >= 1 and resamples >= 0, got " + n + ", "
                    + resamples);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] counts = new int[resamples][n];
        for (int[] row : counts) {
            for (int i = 0; i < n; i++) {
                row[rnd.nextInt(n)]++;
            }
        }
        return counts;
    }

    /** VOC07 mAP of {@code matched} on each resample. */
    public static double[] map07(VocEvaluator.Matched matched, int[][] counts) {
        double[] out = new double[counts.length];
        for (int r = 0; r < counts.length; r++) {
            out[r] = matched.map07(counts[r]);
        }
        return out;
    }
}
