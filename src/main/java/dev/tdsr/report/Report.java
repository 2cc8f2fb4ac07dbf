package dev.tdsr.report;

import dev.tdsr.io.AtomicFiles;
import dev.tdsr.train.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes the report of a study into its output folder: {@code charts/*.png} (from results and the trainers'
 * metrics.jsonl), {@code report.md} and {@code report.html}. Figures already in {@code figures/} are included.
 * Can re-render from a {@code results.json} alone ({@link #rerender}).
 */
public final class Report {
    public static final String CHARTS = "charts";
    public static final String FIGURES = "figures";

    private Report() {}

    /** Re-renders the report next to {@code resultsJson} (e.g. after a change of the renderers). */
    public static void rerender(Path resultsJson) throws IOException {
        Path dir = resultsJson.toAbsolutePath().getParent();
        write(StudyResults.read(resultsJson), dir);
    }

    public static void write(StudyResults results, Path outDir) throws IOException {
        List<ReportDocument.ReportImage> charts = charts(results, outDir);
        List<ReportDocument.ReportImage> figures = new ArrayList<>();
        Path figDir = outDir.resolve(FIGURES);
        if (Files.isDirectory(figDir)) {
            try (Stream<Path> files = Files.list(figDir)) {
                files.filter(p -> p.getFileName().toString().endsWith(".png")).sorted().forEach(p -> figures.add(
                        new ReportDocument.ReportImage(figureCaption(p), outDir.relativize(p))));
            }
        }
        List<ReportDocument.Block> doc = ReportDocument.build(results, charts, figures);
        AtomicFiles.writeString(outDir.resolve("report.md"), MarkdownReport.render(doc));
        AtomicFiles.writeString(outDir.resolve("report.html"), HtmlReport.render(doc, outDir));
    }

    /**
     * Draws the charts: the detection bars; per scale, one loss chart per trained network and the PSNR-Y and mAP
     * curves over evaluation steps. A log file that does not exist is skipped; a broken one is an error (results.json
     * is already written, so the report can be re-rendered once it is fixed).
     */
    static List<ReportDocument.ReportImage> charts(StudyResults r, Path outDir) throws IOException {
        List<ReportDocument.ReportImage> out = new ArrayList<>();
        if (!Charts.detectionAllZero(r)) { // bars of zeros: an empty chart with one "0" tick says nothing
            out.add(chart(outDir, "detection_bars.png", "Detection accuracy per method and scale",
                    Charts.detectionBars(r)));
        }
        List<RunMetadata.TrainingLog> logs = r.metadata() == null ? List.of() : r.metadata().trainingLogs();
        String detectorLog = r.metadata() == null ? null : r.metadata().detectorLog();
        if (detectorLog != null && Files.isRegularFile(outDir.resolve(detectorLog))) {
            out.add(panels(outDir, "loss_detector.png", "Detector training losses",
                    Charts.lossPanels("Detector training losses", MetricsLog.read(outDir.resolve(detectorLog)))));
        }
        for (ScaleResult s : r.scales()) {
            List<Charts.Series> psnr = new ArrayList<>();
            List<Charts.Series> map = new ArrayList<>();
            List<Charts.Series> pretrainPsnr = new ArrayList<>();
            List<Charts.Series> pretrainMap = new ArrayList<>();
            for (RunMetadata.TrainingLog log : logs) {
                if (log.scale() != s.scale() || log.metricsJsonl() == null) {
                    continue;
                }
                Path file = outDir.resolve(log.metricsJsonl());
                if (!Files.isRegularFile(file)) {
                    continue; // not written (e.g. loaded weights); the table still has the row
                }
                MetricsLog.Contents m = MetricsLog.read(file);
                String name = "×" + s.scale() + " " + log.method();
                out.add(panels(outDir, "loss_x" + s.scale() + "_" + log.method().slug() + ".png",
                        "Training losses, " + name, Charts.lossPanels("Training losses, " + name, m)));
                if (!m.evals().isEmpty()) {
                    // pretraining (SR) and fine-tuning count their own steps: never on one axis
                    List<Charts.Series> p = log.method() == Method.SR ? pretrainPsnr : psnr;
                    List<Charts.Series> q = log.method() == Method.SR ? pretrainMap : map;
                    p.add(Charts.series(log.method().label(), m.evals(), e -> e.step(), e -> e.psnrY()));
                    // SR pretraining has no detector; a curve of zeros says nothing (the tables show the zeros)
                    if (m.evals().stream().anyMatch(e -> Double.isFinite(e.map07()) && e.map07() > 0)) {
                        q.add(Charts.series(log.method().label(), m.evals(), e -> e.step(), e -> e.map07() * 100));
                    }
                }
            }
            String on = evalImages(r);
            curves(out, outDir, s.scale(), "pretraining", pretrainPsnr, pretrainMap, on);
            curves(out, outDir, s.scale(), "fine-tuning", psnr, map, on);
        }
        return out;
    }

    /** The PSNR-Y and mAP curves of one phase at one scale. */
    private static void curves(List<ReportDocument.ReportImage> out, Path outDir, int scale, String phase,
                               List<Charts.Series> psnr, List<Charts.Series> map, String on) throws IOException {
        if (psnr.isEmpty()) {
            return;
        }
        String slug = phase.equals("pretraining") ? "_pretraining" : "";
        String title = "PSNR-Y during " + phase + ", ×" + scale;
        out.add(chart(outDir, "psnr_x" + scale + slug + ".png", title + " (" + on + ")",
                Charts.curves(title, "PSNR-Y (dB)", psnr)));
        if (!map.isEmpty()) {
            String t = "VOC07 mAP during " + phase + ", ×" + scale;
            out.add(chart(outDir, "map_x" + scale + slug + ".png", t + " (" + on + ")",
                    Charts.curves(t, "mAP (%)", map)));
        }
    }

    /** "on the first 24 test images; the tables use all test images": what the curves are measured on. */
    static String evalImages(StudyResults r) {
        int n = r.metadata() == null || r.metadata().config() == null ? -1
                : r.metadata().config().path("evaluation").path("eval_images").asInt(-1);
        return (n > 0 ? "on the first " + n + " test images" : "on the first test images")
                + "; the tables above use all test images, so the numbers differ";
    }

    private static ReportDocument.ReportImage panels(Path outDir, String name, String caption,
                                                     List<org.knowm.xchart.XYChart> panels) throws IOException {
        Path rel = Path.of(CHARTS, name);
        Charts.writePanels(panels, outDir.resolve(rel));
        return new ReportDocument.ReportImage(caption, rel);
    }

    private static ReportDocument.ReportImage chart(Path outDir, String name, String caption,
                                                    org.knowm.xchart.internal.chartpart.Chart<?, ?> c)
            throws IOException {
        Path rel = Path.of(CHARTS, name);
        Charts.writePng(c, outDir.resolve(rel));
        return new ReportDocument.ReportImage(caption, rel);
    }

    private static String figureCaption(Path p) {
        String n = p.getFileName().toString().replace(".png", "");
        return n.startsWith("figure_x") ? "Detections at ×" + n.substring("figure_x".length())
                + " (columns: methods; PSNR-Y under each crop)" : n;
    }
}
