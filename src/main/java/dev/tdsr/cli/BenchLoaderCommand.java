package dev.tdsr.cli;

import dev.tdsr.data.BadInputPolicy;
import dev.tdsr.data.Batch;
import dev.tdsr.data.BatchLoader;
import dev.tdsr.data.Dataset;
import dev.tdsr.data.Datasets;
import dev.tdsr.data.Degradation;
import dev.tdsr.data.LrFiles;
import dev.tdsr.data.LrSource;
import dev.tdsr.data.LoaderConfig;
import dev.tdsr.data.SsdAugmentation;
import dev.tdsr.data.SyntheticDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench-loader}: HR+LR pairs per second that the training loader delivers. */
@Command(name = "bench-loader", mixinStandardHelpOptions = true,
        description = "Measure the batch loader (decode + SSD augmentation + LR degradation) in HR+LR pairs/s.")
public final class BenchLoaderCommand implements Callable<Integer> {
    @Option(names = "--data", description = "dataset folder (VOC or COCO layout); default: a synthetic dataset of "
            + "200 images generated in a temporary folder")
    Path data;

    @Option(names = "--split", description = "image set or COCO split (default: trainval / train2017)")
    String split;

    @Option(names = "--batch", defaultValue = "6", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--workers", defaultValue = "2", description = "worker threads (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--seconds", defaultValue = "10", description = "measuring time (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--scale", defaultValue = "4", description = "LR scale factor (default: ${DEFAULT-VALUE})")
    int scale;

    @Option(names = "--lr-dir", description = "paired data: read the LR images from this folder's x<scale>/ "
            + "instead of degrading the HR (as train --lr-dir)")
    Path lrDir;

    @Option(names = "--no-augment", description = "resize only, no SSD augmentation")
    boolean noAugment;

    @Option(names = "--cache-mb", defaultValue = "512", description = "decoded-image cache limit in MiB; 0 = "
            + "decode every time (default: ${DEFAULT-VALUE})")
    long cacheMb;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    @Override
    public Integer call() throws IOException {
        if (!(seconds > 0) || !Double.isFinite(seconds)) {
            throw new IllegalArgumentException("--seconds: expected a positive, finite measuring time, got " + seconds);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (data != null) {
            bench(data, out);
            return 0;
        }
        Path dir = Files.createTempDirectory("tdsr-bench-data");
        try {
            new SyntheticDataset(300, SyntheticDataset.DEFAULT_CLASSES, 1).write(dir, SyntheticDataset.Layout.VOC, 200);
            out.println("data      synthetic, 200 images of 300x300 in a temporary folder");
            bench(dir, out);
        } finally {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return 0;
    }

    private void bench(Path dir, PrintWriter out) throws IOException {
        Dataset d = Datasets.open(dir, split, null, BadInputPolicy.SKIP).nonEmpty();
        LrSource lrSource = Degradation.bicubic(scale);
        if (lrDir != null) {
            LrFiles files = new LrFiles(lrDir, scale).checked("--lr-dir");
            d = files.verify(d);
            lrSource = files;
        }
        LoaderConfig cfg = LoaderConfig.training(scale, 1).withBatchSize(batch).withWorkers(workers)
                .withLrSource(lrSource).withCacheBytes(cacheMb << 20)
                .withAugmentation(noAugment ? SsdAugmentation.none() : SsdAugmentation.ssd());
        try (BatchLoader loader = new BatchLoader(d, cfg)) {
            out.printf("dataset   %s: %d images (%s), cache %s%n", d.name(), d.size(), d.summary(),
                    loader.caching() ? "on" : "off");
            loader.next(); // warm-up: threads started, JIT on its way
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            long pairs = 0;
            long deadline = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < deadline) {
                Batch b = loader.next();
                pairs += b.size();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            out.printf("loader    batch %d, workers %d, %s, LR %dx%d (x%d, %s)%n", batch, workers,
                    noAugment ? "no augmentation" : "SSD augmentation", loader.lrWidth(), loader.lrHeight(), scale,
                    lrDir == null ? "bicubic on the fly" : "from " + lrDir);
            out.printf("result    %d pairs in %.1f s = %.1f pairs/s (HR %dx%d + LR)%n", pairs, s, pairs / s,
                    cfg.hrSize(), cfg.hrSize());
            // On a shared machine the wall figure depends on the neighbours; CPU time does not.
            out.printf("cpu       %.1f s of process CPU time = %.1f pairs per CPU-second (%d processors seen)%n", cpu,
                    pairs / cpu, Runtime.getRuntime().availableProcessors());
        }
        out.flush();
    }
}
