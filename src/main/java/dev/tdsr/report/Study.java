package dev.tdsr.report;

import dev.tdsr.data.Image;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a study: obtains the detector, then at each scale every configured row in table order (HR, LR, Bicubic, SR,
 * SR-FT, SR-FT+, TDSR), timing each row (its training plus its evaluation), and writes into the output folder
 * {@code results.json} (rewritten after every row, so a crash keeps what was done), then the figure grids
 * {@code figures/figure_x<scale>.png}, {@code charts/*.png}, {@code report.md} and {@code report.html}.
 *
 * <p>The pretrained S of a scale is obtained once, when the first row that needs it comes (the SR row, or the first
 * fine-tuned row when SR itself is not in the table), and every fine-tuned row starts from it.
 */
public final class Study {
    /** Columns of the figure grids, as in the paper's Figures 1 and 3 (those evaluated). */
    public static final List<Method> FIGURE_COLUMNS = List.of(Method.HR, Method.LR, Method.BICUBIC, Method.SR_FT,
            Method.TDSR);
    /** Cell width of the figure grids in pixels. */
    public static final int FIGURE_CELL = 240;

    private final StudyConfig config;
    private final StudySteps steps;
    private final Path outDir;
    private final String datasetDescription;

    /**
     * @param datasetDescription what the report says the data was ("VOC07+12 trainval -> VOC2007 test, 4952 images")
     */
    public Study(StudyConfig config, StudySteps steps, Path outDir, String datasetDescription) {
        this.config = config;
        this.steps = steps;
        this.outDir = outDir;
        this.datasetDescription = datasetDescription;
    }

    public StudyResults run() throws Exception {
        ConfigLoader.requireNoPlaceholders(config);
        Files.createDirectories(outDir);
        long t0 = System.nanoTime();
        RunMetadata meta = new RunMetadata(version(), config.seed(), config.device(), datasetDescription,
                config.name(), ConfigLoader.toTree(config), Instant.now().toString(), 0, 0, null, List.of());
        List<RunMetadata.TrainingLog> logs = new ArrayList<>();
        List<ScaleResult> done = new ArrayList<>();

        long td = System.nanoTime();
        StudySteps.Trained detector = steps.prepareDetector(config, dir("detector"));
        double detectorSeconds = seconds(td);
        String detectorLog = detector == null ? null : stored(detector.metricsJsonl());

        Map<Integer, Map<Method, List<StudySteps.FigureSample>>> samples = new LinkedHashMap<>();
        for (int scale : config.scales()) {
            List<MethodResult> rows = new ArrayList<>();
            Map<Method, List<StudySteps.FigureSample>> scaleSamples = new LinkedHashMap<>();
            samples.put(scale, scaleSamples);
            StudySteps.Trained pretrained = null;
            for (Method m : config.methods()) {
                long tr = System.nanoTime();
                StudySteps.Trained sr = null;
                if (m.usesSr()) {
                    if (pretrained == null) {
                        pretrained = steps.pretrainSr(config, scale, dir("x" + scale, Method.SR.slug()));
                        addLog(logs, scale, Method.SR, pretrained);
                    }
                    sr = pretrained;
                    if (m.finetuned()) {
                        sr = steps.finetune(config, m, scale, pretrained, dir("x" + scale, m.slug()));
                        addLog(logs, scale, m, sr);
                    }
                }
                StudySteps.Evaluation ev = steps.evaluate(config, m, scale, sr, dir("x" + scale, m.slug(), "eval"));
                rows.add(ev.result().withWallSeconds(seconds(tr)));
                scaleSamples.put(m, ev.samples());
                List<ScaleResult> partial = new ArrayList<>(done);
                partial.add(new ScaleResult(scale, rows));
                new StudyResults(meta.with(seconds(t0), detectorSeconds, detectorLog, logs), partial)
                        .write(outDir.resolve(StudyResults.FILE_NAME));
            }
            done.add(new ScaleResult(scale, rows));
        }
        StudyResults results = new StudyResults(meta.with(seconds(t0), detectorSeconds, detectorLog, logs), done);
        results.write(outDir.resolve(StudyResults.FILE_NAME));
        for (Map.Entry<Integer, Map<Method, List<StudySteps.FigureSample>>> e : samples.entrySet()) {
            writeFigure(e.getKey(), e.getValue());
        }
        Report.write(results, outDir);
        return results;
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

    private void addLog(List<RunMetadata.TrainingLog> logs, int scale, Method m, StudySteps.Trained t) {
        if (t != null && t.metricsJsonl() != null) {
            logs.add(new RunMetadata.TrainingLog(scale, m, stored(t.metricsJsonl())));
        }
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
