package dev.tdsr.data;

/**
 * How a {@link BatchLoader} prepares batches.
 *
 * @param hrSize          HR side in pixels (300 for SSD300)
 * @param batchSize       images per batch
 * @param workers         worker threads; 0 = prepare on the caller's thread
 * @param shuffle         reshuffle the order every epoch (from seed and epoch)
 * @param augmentation    the HR chain ({@link SsdAugmentation#none()} = resize only)
 * @param lrSource        where LR comes from: a {@link Degradation} of the HR, or {@link LrFiles}
 * @param seed            seed of the order and of every per-sample random draw
 * @param epochs          epochs to deliver; 0 = endless
 * @param dropLast        drop the last partial batch of each epoch
 * @param keepDifficult   keep difficult and crowd objects in the batch boxes (evaluation) or drop them (training,
 *                        as ssd.pytorch does)
 * @param cacheBytes      keep decoded 8-bit images in memory when the whole dataset fits in this many bytes
 * @param prefetchBatches batches prepared ahead of the consumer
 */
public record LoaderConfig(int hrSize, int batchSize, int workers, boolean shuffle, SsdAugmentation augmentation,
                           LrSource lrSource, long seed, int epochs, boolean dropLast, boolean keepDifficult,
                           long cacheBytes, int prefetchBatches) {
    /** Default decoded-image cache: 512 MiB (about 1,900 images of 300x300, 1,400 VOC-sized ones). */
    public static final long DEFAULT_CACHE_BYTES = 512L << 20;

    public LoaderConfig {
        if (hrSize < 1 || batchSize < 1 || workers < 0 || epochs < 0 || cacheBytes < 0 || prefetchBatches < 1) {
            throw new IllegalArgumentException("loader: need hrSize, batchSize, prefetch >= 1 and workers, epochs, "
                    + "cache >= 0");
        }
    }

    /** Training: batch 6 (the paper's), 2 workers, shuffled, full SSD augmentation, bicubic LR, endless. */
    public static LoaderConfig training(int scale, long seed) {
        return new LoaderConfig(300, 6, 2, true, SsdAugmentation.ssd(), Degradation.bicubic(scale), seed, 0, true,
                false, DEFAULT_CACHE_BYTES, 4);
    }

    /** Evaluation: one pass in file order, resize only, all objects kept, last partial batch kept. */
    public static LoaderConfig evaluation(int scale) {
        return new LoaderConfig(300, 8, 2, false, SsdAugmentation.none(), Degradation.bicubic(scale), 0, 1, false,
                true, DEFAULT_CACHE_BYTES, 4);
    }

    public LoaderConfig withBatchSize(int b) {
        return new LoaderConfig(hrSize, b, workers, shuffle, augmentation, lrSource, seed, epochs, dropLast,
                keepDifficult, cacheBytes, prefetchBatches);
    }

    public LoaderConfig withWorkers(int w) {
        return new LoaderConfig(hrSize, batchSize, w, shuffle, augmentation, lrSource, seed, epochs, dropLast,
                keepDifficult, cacheBytes, prefetchBatches);
    }

    public LoaderConfig withAugmentation(SsdAugmentation a) {
        return new LoaderConfig(hrSize, batchSize, workers, shuffle, a, lrSource, seed, epochs, dropLast,
                keepDifficult, cacheBytes, prefetchBatches);
    }

    public LoaderConfig withLrSource(LrSource d) {
        return new LoaderConfig(hrSize, batchSize, workers, shuffle, augmentation, d, seed, epochs, dropLast,
                keepDifficult, cacheBytes, prefetchBatches);
    }

    public LoaderConfig withShuffle(boolean s) {
        return new LoaderConfig(hrSize, batchSize, workers, s, augmentation, lrSource, seed, epochs, dropLast,
                keepDifficult, cacheBytes, prefetchBatches);
    }

    public LoaderConfig withEpochs(int e) {
        return new LoaderConfig(hrSize, batchSize, workers, shuffle, augmentation, lrSource, seed, e, dropLast,
                keepDifficult, cacheBytes, prefetchBatches);
    }

    public LoaderConfig withCacheBytes(long bytes) {
        return new LoaderConfig(hrSize, batchSize, workers, shuffle, augmentation, lrSource, seed, epochs, dropLast,
                keepDifficult, bytes, prefetchBatches);
    }
}
