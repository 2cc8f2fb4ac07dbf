package dev.tdsr.study;

import dev.tdsr.data.Image;
import dev.tdsr.report.FigureGrid;
import dev.tdsr.report.Method;
import dev.tdsr.report.MethodResult;
import dev.tdsr.report.Report;
import dev.tdsr.report.RunMetadata;
import dev.tdsr.report.ScaleResult;
import dev.tdsr.report.StudyResults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a study: obtains the detector, then at each scale every configured row in table order (HR, LR, Bicubic,
 * SRGAN, SR, SR-FT, SR-FT+, TDSR), timing each row (its training plus its evaluation), and writes into the output folder
 * {@code results.json} (rewritten after every row, so a crash keeps what was done), then the figure grids
 * {@code figures/figure_x<scale>.png}, {@code charts/*.png}, {@code report.md} and {@code report.html}.
 *
 * <p>The pretrained S of a scale is obtained once, when the first row that needs it comes (the SR row, or the first
 * fine-tuned row when SR itself is not in the table), and every fine-tuned row starts from it.
 *
 * <p>Scales are independent once D exists, so up to {@code scaleWorkers} of them run at the same time (each on its
 * own thread, with its own seeds: the numbers do not depend on the worker count); results.json and the report list
 * them in config order.
 */
public final class Study {
    /** Columns of the figure grids, as in the paper's Figures 1 and 3 (those evaluated). */
    public static final List<Method> FIGURE_COLUMNS = List.of(Method.HR, Method.LR, Method.BICUBIC, Method.SRGAN,
            Method.SR_FT, Method.TDSR);
    /** Cell width of the figure grids in pixels. */
    public static final int FIGURE_CELL = 240;

    private final StudyConfig config;
    private final StudySteps steps;
    private final Path outDir;
    private final String datasetDescription;
    private final int scaleWorkers;

    /** One scale at a time. */
    public Study(StudyConfig config, StudySteps steps, Path outDir, String datasetDescription) {
        this(config, steps, outDir, datasetDescription, 1);
    }

    /**
     * @param datasetDescription what the report says the data was ("VOC07+12 trainval -> VOC2007 test, 4952 images")
     * @param scaleWorkers       scales run at the same time (>= 1); {@code steps} must then be safe to call from that
     *                           many threads for different scales
     */
    public Study(StudyConfig config, StudySteps steps, Path outDir, String datasetDescription, int scaleWorkers) {
        if (scaleWorkers < 1) {
            throw new IllegalArgumentException("scale workers: expected >= 1, got " + scaleWorkers);
        }
        this.config = config;
        this.steps = steps;
        this.outDir = outDir;
        this.datasetDescription = datasetDescription;
        this.scaleWorkers = scaleWorkers;
    }

    public StudyResults run() throws Exception {
        ConfigLoader.requireNoPlaceholders(config);
        Files.createDirectories(outDir);
        long t0 = System.nanoTime();
        RunMetadata meta = new RunMetadata(version(), config.seed(), config.device(), datasetDescription,
                config.name(), ConfigLoader.toTree(config), Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(), 0, 0, null, List.of());

        long td = System.nanoTime();
        StudySteps.Trained detector = steps.prepareDetector(config, dir("detector"));
        Progress progress = new Progress(meta, t0, seconds(td), detector == null ? null
                : stored(detector.metricsJsonl()));

        List<Integer> scales = config.scales();
        Map<Integer, Map<Method, List<StudySteps.FigureSample>>> samples = new LinkedHashMap<>();
        if (scaleWorkers == 1 || scales.size() == 1) {
            for (int scale : scales) {
                samples.put(scale, runScale(scale, progress));
            }
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(scaleWorkers, scales.size()), r -> {
                Thread t = new Thread(r, "study-scale");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<Map<Method, List<StudySteps.FigureSample>>>> futures = new ArrayList<>();
                for (int scale : scales) {
                    futures.add(pool.submit(() -> runScale(scale, progress)));
                }
                for (int i = 0; i < scales.size(); i++) {
                    samples.put(scales.get(i), result(futures.get(i)));
                }
            } finally {
                pool.shutdownNow();
            }
        }
        StudyResults results = progress.write();
        for (Map.Entry<Integer, Map<Method, List<StudySteps.FigureSample>>> e : samples.entrySet()) {
            writeFigure(e.getKey(), e.getValue());
        }
        Report.write(results, outDir);
        return results;
    }

    /** Every configured row of one scale, in table order; returns the figure samples by row. */
    private Map<Method, List<StudySteps.FigureSample>> runScale(int scale, Progress progress) throws Exception {
        Map<Method, List<StudySteps.FigureSample>> scaleSamples = new LinkedHashMap<>();
        StudySteps.Trained pretrained = null;
        for (Method m : config.methods()) {
            long tr = System.nanoTime();
            StudySteps.Trained sr = null;
            if (m == Method.SRGAN) {
                sr = steps.trainSrgan(config, scale, dir("x" + scale, m.slug()));
                progress.addLog(scale, m, sr);
            } else if (m.usesSr()) {
                if (pretrained == null) {
                    pretrained = steps.pretrainSr(config, scale, dir("x" + scale, Method.SR.slug()));
                    progress.addLog(scale, Method.SR, pretrained);
                }
                sr = pretrained;
                if (m.finetuned()) {
                    sr = steps.finetune(config, m, scale, pretrained, dir("x" + scale, m.slug()));
                    progress.addLog(scale, m, sr);
                }
            }
            StudySteps.Evaluation ev = steps.evaluate(config, m, scale, sr, dir("x" + scale, m.slug(), "eval"));
            progress.rowDone(scale, ev.result().withWallSeconds(seconds(tr)));
            scaleSamples.put(m, ev.samples());
        }
        return scaleSamples;
    }

    /** A scale's outcome; its failure rethrown as it was (the study fails with the first scale that failed). */
    private static <T> T result(Future<T> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * What is done so far, shared by the scale workers: rows and training logs, kept in config order whatever order
     * they finish in, and results.json rewritten after every row (so a crash keeps what was done).
     */
    private final class Progress {
        private final RunMetadata meta;
        private final long t0;
        private final double detectorSeconds;
        private final String detectorLog;
        private final Map<Integer, List<MethodResult>> rows = new LinkedHashMap<>();
        private final List<RunMetadata.TrainingLog> logs = new ArrayList<>();

        Progress(RunMetadata meta, long t0, double detectorSeconds, String detectorLog) {
            this.meta = meta;
            this.t0 = t0;
            this.detectorSeconds = detectorSeconds;
            this.detectorLog = detectorLog;
            for (int scale : config.scales()) {
                rows.put(scale, new ArrayList<>());
            }
        }

        synchronized void addLog(int scale, Method m, StudySteps.Trained t) {
            if (t != null && t.metricsJsonl() != null) {
                logs.add(new RunMetadata.TrainingLog(scale, m, stored(t.metricsJsonl())));
                logs.sort(Comparator.comparingInt((RunMetadata.TrainingLog l) -> config.scales().indexOf(l.scale()))
                        .thenComparing(RunMetadata.TrainingLog::method));
            }
        }

        synchronized void rowDone(int scale, MethodResult row) throws IOException {
            rows.get(scale).add(row);
            write();
        }

        synchronized StudyResults write() throws IOException {
            List<ScaleResult> done = new ArrayList<>();
            rows.forEach((scale, list) -> {
                if (!list.isEmpty()) {
                    done.add(new ScaleResult(scale, List.copyOf(list)));
                }
            });
            StudyResults results = new StudyResults(meta.with(seconds(t0), detectorSeconds, detectorLog,
                    List.copyOf(logs)), done);
            results.write(outDir.resolve(StudyResults.FILE_NAME));
            return results;
        }
    }

    /**
     * The figure grid of one scale: one row per image id of the first column's samples (up to the configured
     * count), one column per {@link #FIGURE_COLUMNS} method that has a sample of every row.
     */
    private void writeFigure(int scale, Map<Method, List<StudySteps.FigureSample>> byMethod) throws IOException {
        List<Method> cols = FIGURE_COLUMNS.stream().filter(byMethod::containsKey).toList();
        if (cols.isEmpty() || config.evaluation().figureImages() == 0) {
            return;
        }
        List<String> ids = byMethod.get(cols.get(0)).stream().map(StudySteps.FigureSample::imageId)
                .limit(config.evaluation().figureImages()).toList();
        cols = cols.stream().filter(m -> ids.stream().allMatch(id -> find(byMethod.get(m), id) != null)).toList();
        if (ids.isEmpty() || cols.isEmpty()) {
            return;
        }
        List<FigureGrid.Row> rows = new ArrayList<>();
        for (String id : ids) {
            List<FigureGrid.Panel> panels = new ArrayList<>();
            for (Method m : cols) {
                StudySteps.FigureSample s = find(byMethod.get(m), id);
                Image im = s.image();
                panels.add(new FigureGrid.Panel(m.label(), im, s.detections(), s.psnr()));
            }
            rows.add(new FigureGrid.Row(id, panels));
        }
        new FigureGrid(FIGURE_CELL, config.evaluation().figureMinScore()).write(rows, FigureGrid.Crop.WHOLE,
                outDir.resolve(Report.FIGURES).resolve("figure_x" + scale + ".png"));
    }

    private static StudySteps.FigureSample find(List<StudySteps.FigureSample> list, String id) {
        return list.stream().filter(s -> s.imageId().equals(id)).findFirst().orElse(null);
    }

    /** A path as results.json keeps it: relative to the output folder when inside it (the folder can be moved). */
    private String stored(Path file) {
        if (file == null) {
            return null;
        }
        Path p = file.toAbsolutePath().normalize();
        Path base = outDir.toAbsolutePath().normalize();
        return p.startsWith(base) ? base.relativize(p).toString() : p.toString();
    }

    private Path dir(String... parts) throws IOException {
        Path d = outDir.resolve(String.join("/", parts));
        Files.createDirectories(d);
        return d;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static String version() {
        String v = Study.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
