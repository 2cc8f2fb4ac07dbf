package dev.tdsr.data;

import dev.tdsr.data.LoadSummary.Problem;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Prepares batches on worker threads: decode, augment ({@link SsdAugmentation}), take the LR from the config's
 * {@link LrSource} (degraded from the augmented HR, or the sample's LR file augmented alike), ahead of the consumer. The output depends only on the dataset and the config, never on the worker count or timing:
 * the order of epoch e is a permutation drawn from (seed, e), and sample i of epoch e draws all its randomness from
 * (seed, e, i). Decoded 8-bit images are cached in memory when the whole dataset fits in
 * {@link LoaderConfig#cacheBytes()}, so a small dataset is decoded once. An image that cannot be decoded or whose size
 * disagrees with its annotation fails the batch with a {@link DatasetFormatException} naming the file.
 *
 * <p>Not thread-safe: one consumer thread calls {@link #next()}.
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {
    private final Dataset data;
    private final LoaderConfig cfg;
    private final ExecutorService pool;
    private final AtomicReferenceArray<Image.Rgb8> cache;
    /** Segmentation classes (with background) of the masks the batches carry; 0: no masks (detection). */
    private final int maskClasses;
    private final AtomicReferenceArray<SegmentationMask> maskCache;
    private final int perEpoch;
    private final int lrWidth;
    private final int lrHeight;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int[] order;
    private int orderEpoch = -1;
    private long scheduled;
    private long delivered;
    private boolean closed;

    private record Pending(long index, int epoch, int[] samples, float[] hr, float[] lr, float[][] boxes,
                           int[][] labels, SegmentationMask[] masks, List<Future<?>> parts) {}

    public BatchLoader(Dataset data, LoaderConfig cfg) {
        this(data, cfg, 0);
    }

    /**
     * With {@code maskClasses > 0} each batch also carries every image's class mask ({@link Batch#masks()}, read from
     * {@link VocSegmentationReader#maskOf} and checked against {@code maskClasses}), resized to the HR side by nearest
     * neighbour. The geometric augmentations (expand, crop, mirror) do not move masks yet, so they are refused then.
     */
    public BatchLoader(Dataset data, LoaderConfig cfg, int maskClasses) {
        SsdAugmentation a = cfg.augmentation();
        if (maskClasses > 0 && (a.expand() || a.crop() || a.mirror())) {
            throw new IllegalArgumentException("loader: segmentation batches take no geometric augmentation (expand, "
                    + "crop, mirror move the image but not its mask); train with augment false (--no-augment)");
        }
        this.maskClasses = maskClasses;
        this.data = data;
        this.cfg = cfg;
        int n = data.size();
        this.perEpoch = cfg.dropLast() ? n / cfg.batchSize() : (n + cfg.batchSize() - 1) / cfg.batchSize();
        if (perEpoch == 0) {
            throw new IllegalArgumentException("loader: dataset " + data.name() + " has " + n
                    + " images, fewer than one batch of " + cfg.batchSize());
        }
        this.lrWidth = cfg.lrSource().lrLength(cfg.hrSize());
        this.lrHeight = lrWidth;
        long decodedBytes = data.samples().stream().mapToLong(s -> 3L * s.width() * s.height()).sum();
        this.cache = decodedBytes <= cfg.cacheBytes() ? new AtomicReferenceArray<>(n) : null;
        this.maskCache = maskClasses > 0 && cache != null ? new AtomicReferenceArray<>(n) : null;
        AtomicInteger threadNo = new AtomicInteger();
        this.pool = cfg.workers() == 0 ? null : Executors.newFixedThreadPool(cfg.workers(), r -> {
            Thread t = new Thread(r, "tdsr-loader-" + threadNo.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    /** Batches in one epoch. */
    public int batchesPerEpoch() {
        return perEpoch;
    }

    /** Whether decoded images are kept in memory. */
    public boolean caching() {
        return cache != null;
    }

    public int lrWidth() {
        return lrWidth;
    }

    public int lrHeight() {
        return lrHeight;
    }

    /**
     * Starts delivery at batch {@code index} instead of 0 (resuming a run): batch b depends only on (seed, epoch,
     * position), so nothing before it has to be prepared. Only before the first {@link #next()}.
     */
    public void skipTo(long index) {
        if (scheduled != 0 || delivered != 0) {
            throw new IllegalStateException("loader: skipTo only before the first batch");
        }
        if (index < 0) {
            throw new IllegalArgumentException("loader: batch index must be >= 0, got " + index);
        }
        scheduled = index;
        delivered = index;
    }

    @Override
    public boolean hasNext() {
        return !closed && (cfg.epochs() == 0 || delivered < (long) cfg.epochs() * perEpoch);
    }

    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("loader: all " + cfg.epochs() + " epochs delivered");
        }
        fill();
        Pending p = pending.poll();
        fill(); // keep the workers busy while we wait
        for (Future<?> f : p.parts) {
            await(f);
        }
        delivered++;
        List<Sample> samples = new ArrayList<>();
        for (int i : p.samples) {
            samples.add(data.samples().get(i));
        }
        return new Batch(p.index, p.epoch, p.samples.length, cfg.hrSize(), lrWidth, lrHeight, p.hr, p.lr,
                List.of(p.boxes), List.of(p.labels), samples, maskClasses > 0 ? List.of(p.masks) : null);
    }

    private void fill() {
        long limit = cfg.epochs() == 0 ? Long.MAX_VALUE : (long) cfg.epochs() * perEpoch;
        while (pending.size() < cfg.prefetchBatches() && scheduled < limit) {
            pending.add(schedule(scheduled++));
        }
    }

    private Pending schedule(long index) {
        int epoch = (int) (index / perEpoch);
        int b = (int) (index % perEpoch);
        int[] ord = order(epoch);
        int from = b * cfg.batchSize();
        int[] idx = Arrays.copyOfRange(ord, from, Math.min(from + cfg.batchSize(), ord.length));
        int hrLen = 3 * cfg.hrSize() * cfg.hrSize();
        int lrLen = 3 * lrWidth * lrHeight;
        Pending p = new Pending(index, epoch, idx, new float[idx.length * hrLen], new float[idx.length * lrLen],
                new float[idx.length][], new int[idx.length][], new SegmentationMask[idx.length], new ArrayList<>());
        for (int slot = 0; slot < idx.length; slot++) {
            int s = slot;
            Runnable task = () -> prepare(p, s, hrLen, lrLen);
            if (pool == null) {
                task.run();
            } else {
                p.parts.add(pool.submit(task));
            }
        }
        return p;
    }

    private int[] order(int epoch) {
        if (epoch != orderEpoch) {
            int n = data.size();
            int[] o = new int[n];
            for (int i = 0; i < n; i++) {
                o[i] = i;
            }
            if (cfg.shuffle()) {
                SplittableRandom rng = Seeds.random(cfg.seed(), epoch, -1);
                for (int i = n - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = o[i];
                    o[i] = o[j];
                    o[j] = t;
                }
            }
            order = o;
            orderEpoch = epoch;
        }
        return order;
    }

    /** Decode, augment, degrade sample {@code p.samples[slot]} into its slot of the batch arrays. */
    private void prepare(Pending p, int slot, int hrLen, int lrLen) {
        int i = p.samples[slot];
        Sample s = data.samples().get(i);
        Image source = decoded(i, s).toImage();
        List<Box> boxes = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (ObjectAnnotation o : s.objects()) {
            if (cfg.keepDifficult() || !(o.difficult() || o.iscrowd())) {
                boxes.add(o.box());
                labels.add(o.classIndex());
            }
        }
        SplittableRandom rng = Seeds.random(cfg.seed(), p.epoch, i);
        LrSource lrSource = cfg.lrSource();
        int grid = lrSource.grid();
        SsdAugmentation.Result r = cfg.augmentation().apply(source, boxes,
                labels.stream().mapToInt(Integer::intValue).toArray(), cfg.hrSize(), grid, rng);
        Image lr = lrSource.lr(s, r.image(), paired -> r.follow(paired, grid, lrWidth), rng);
        System.arraycopy(r.image().data(), 0, p.hr, slot * hrLen, hrLen);
        System.arraycopy(lr.data(), 0, p.lr, slot * lrLen, lrLen);
        p.boxes[slot] = r.boxes();
        p.labels[slot] = r.labels();
        if (maskClasses > 0) {
            p.masks[slot] = mask(i, s).resizeNearest(cfg.hrSize(), cfg.hrSize());
        }
    }

    private SegmentationMask mask(int i, Sample s) {
        SegmentationMask m = maskCache == null ? null : maskCache.get(i);
        if (m == null) {
            try {
                m = SegmentationMask.read(VocSegmentationReader.maskOf(s), maskClasses);
            } catch (IOException e) {
                throw new DatasetFormatException(Problem.CORRUPT_IMAGE, e.getMessage(), e);
            }
            if (m.width() != s.width() || m.height() != s.height()) {
                throw new DatasetFormatException(Problem.CORRUPT_IMAGE, VocSegmentationReader.maskOf(s) + ": mask is "
                        + m.width() + "x" + m.height() + " but its image is " + s.width() + "x" + s.height());
            }
            if (maskCache != null) {
                maskCache.set(i, m);
            }
        }
        return m;
    }

    private Image.Rgb8 decoded(int i, Sample s) {
        Image.Rgb8 im = cache == null ? null : cache.get(i);
        if (im == null) {
            try {
                im = Image.Rgb8.read(s.imagePath());
            } catch (IOException e) {
                throw new DatasetFormatException(Problem.CORRUPT_IMAGE, e.getMessage(), e);
            }
            if (im.width() != s.width() || im.height() != s.height()) {
                throw new DatasetFormatException(Problem.CORRUPT_IMAGE, s.imagePath() + ": image is " + im.width()
                        + "x" + im.height() + " but its annotation says " + s.width() + "x" + s.height());
            }
            if (cache != null) {
                cache.set(i, im);
            }
        }
        return im;
    }

    private static void await(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("loader interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("loader worker failed: " + e.getCause(), e.getCause());
        }
    }

    /** Stops the workers; pending batches are dropped. */
    @Override
    public void close() {
        closed = true;
        pending.clear();
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
