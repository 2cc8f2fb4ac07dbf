package dev.tdsr.report;

import dev.tdsr.train.MetricsLog;
import dev.tdsr.train.StepMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The study's charts, drawn with XChart: loss curves, evaluation curves, detection-accuracy bars. */
public final class Charts {
    public static final int WIDTH = 800;
    public static final int HEIGHT = 480;

    private Charts() {}

    /** A named list of (x, y) points; NaN points are dropped when drawn. */
    public record Series(String name, List<double[]> points) {}

    /** Height of one panel of a stacked loss chart ({@link #lossPanels}). */
    public static final int PANEL_HEIGHT = 300;

    /**
     * A run's losses as panels with their own y axes, so terms of different scales are not flattened against each
     * other: "MSE" (when the run has one), "task loss: loc, conf" (when it has them) and, when it has both, the
     * total. A term that is 0 at every step (a detector's MSE, an SR run's loc/conf) is not drawn.
     */
    public static List<XYChart> lossPanels(String title, MetricsLog.Contents log) {
        List<StepMetrics> st = log.steps();
        boolean mse = st.stream().anyMatch(m -> m.mse() != 0);
        boolean task = st.stream().anyMatch(m -> m.loc() != 0 || m.conf() != 0);
        List<XYChart> panels = new ArrayList<>();
        if (mse) {
            panels.add(panel(title + ": MSE", List.of(series("mse", st, StepMetrics::mse))));
        }
        if (task) {
            // steps of a beta = 0 stage compute no task loss (logged as 0): not drawn as zeros
            List<StepMetrics> withTask = st.stream().filter(m -> m.loc() != 0 || m.conf() != 0).toList();
            panels.add(panel(title + (mse ? ": task loss (through the frozen detector)" : ": detector loss"),
                    List.of(series("loc", withTask, StepMetrics::loc), series("conf", withTask, StepMetrics::conf))));
        }
        if (mse && task || panels.isEmpty()) {
            panels.add(panel(title + ": total (alpha * MSE + beta * task)", List.of(series("total", st,
                    StepMetrics::loss))));
        }
        return panels;
    }

    private static XYChart panel(String title, List<Series> series) {
        XYChart c = lines(title, "step", "loss", series, true, PANEL_HEIGHT);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        return c;
    }

    /** Panels stacked vertically into one PNG of width {@link #WIDTH}, {@link #PANEL_HEIGHT} each. */
    public static void writePanels(List<? extends Chart<?, ?>> panels, Path file) throws IOException {
        java.awt.image.BufferedImage all = new java.awt.image.BufferedImage(WIDTH, PANEL_HEIGHT * panels.size(),
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = all.createGraphics();
        try {
            for (int i = 0; i < panels.size(); i++) {
                Chart<?, ?> c = panels.get(i);
                java.awt.image.BufferedImage img = BitmapEncoder.getBufferedImage(c);
                g.drawImage(img, 0, i * PANEL_HEIGHT, WIDTH, PANEL_HEIGHT, null);
            }
        } finally {
            g.dispose();
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        javax.imageio.ImageIO.write(all, "png", file.toFile());
    }

    /**
     * MSE, loc, conf and total loss against the step on one axis. The y axis is logarithmic when every value is
     * positive, linear otherwise. The report and run folders draw {@link #lossPanels} instead.
     */
    public static XYChart losses(String title, MetricsLog.Contents log) {
        List<Series> series = List.of(
                series("mse", log.steps(), StepMetrics::mse),
                series("loc", log.steps(), StepMetrics::loc),
                series("conf", log.steps(), StepMetrics::conf),
                series("total", log.steps(), StepMetrics::loss));
        return lines(title, "step", "loss", series, true);
    }

    /**
     * The curves of one training run, from its {@code metrics.jsonl} into {@code charts/} of the run folder: the
     * losses, and PSNR-Y and VOC07 mAP of its periodic evaluations when it has any. Returns the files written.
     */
    public static List<Path> writeRunCharts(Path runDir) throws IOException {
        Path file = runDir.resolve(MetricsLog.FILE);
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        MetricsLog.Contents log = MetricsLog.read(file);
        Path dir = runDir.resolve("charts");
        String run = runDir.getFileName().toString();
        List<Path> written = new ArrayList<>();
        written.add(dir.resolve("loss.png"));
        writePanels(lossPanels("Training losses, " + run, log), written.get(0));
        evalCurve(log, run, "PSNR-Y", "PSNR-Y (dB)", MetricsLog.EvalPoint::psnrY, dir.resolve("psnr.png"), written);
        evalCurve(log, run, "VOC07 mAP", "mAP (%)", p -> p.map07() * 100, dir.resolve("map.png"), written);
        return written;
    }

    /** One evaluation number of a run against the step, written when the run evaluated it at least once. */
    private static void evalCurve(MetricsLog.Contents log, String run, String what, String yLabel,
                                  ToDoubleFunction<MetricsLog.EvalPoint> y, Path png, List<Path> written)
            throws IOException {
        List<MetricsLog.EvalPoint> points = log.evals().stream().filter(p -> !Double.isNaN(y.applyAsDouble(p)))
                .toList();
        if (!points.isEmpty()) {
            writePng(curves(what + " on the test images, " + run, yLabel,
                    List.of(series(run, points, MetricsLog.EvalPoint::step, y))), png);
            written.add(png);
        }
    }

    /** One line per series (e.g. one per method) of an evaluation number against the step. */
    public static XYChart curves(String title, String yLabel, List<Series> series) {
        XYChart c = lines(title, "step", yLabel, series, false);
        c.getStyler().setYAxisDecimalPattern("0.0#"); // dB and %: never 30.900856419842324 on a tick
        return c;
    }

    /** Bars of a number per method (x) per scale (one bar series per scale); a missing value leaves a gap. */
    public static CategoryChart bars(String title, String yLabel, List<String> methods,
                                     Map<String, List<Double>> valuesBySeries) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("method")
                .yAxisTitle(yLabel).build();
        style(c.getStyler());
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setYAxisMin(0.0);
        for (Map.Entry<String, List<Double>> e : valuesBySeries.entrySet()) {
            c.addSeries(e.getKey(), methods, e.getValue());
        }
        return c;
    }

    /** The mAP-per-method-per-scale bars of a study (VOC07 mAP, or COCO AP on a COCO study), in %. */
    public static CategoryChart detectionBars(StudyResults r) {
        List<String> methods = new ArrayList<>();
        for (ScaleResult s : r.scales()) {
            s.methods().forEach(m -> {
                if (!methods.contains(m.method().label())) {
                    methods.add(m.method().label());
                }
            });
        }
        Map<String, List<Double>> byScale = new LinkedHashMap<>();
        String metric = "mAP";
        for (ScaleResult s : r.scales()) {
            metric = ShapeCheck.detectionMetricName(s);
            List<Double> v = new ArrayList<>();
            for (String m : methods) {
                Double d = s.get(Method.of(m)).map(MethodResult::detectionScore).orElse(null);
                v.add(d == null ? null : d * 100);
            }
            byScale.put("×" + s.scale(), v);
        }
        return bars(metric + " per method and scale", metric + " (%)", methods, byScale);
    }

    /** True when a study's detection bars would all be 0 or missing (then the report leaves the chart out). */
    public static boolean detectionAllZero(StudyResults r) {
        return r.scales().stream().allMatch(ShapeCheck::allDetectionZero);
    }

    public static void writePng(Chart<?, ?> chart, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    static <T> Series series(String name, List<T> points, ToDoubleFunction<T> x, ToDoubleFunction<T> y) {
        List<double[]> xy = new ArrayList<>();
        for (T p : points) {
            xy.add(new double[] {x.applyAsDouble(p), y.applyAsDouble(p)});
        }
        return new Series(name, xy);
    }

    private static Series series(String name, List<StepMetrics> points, ToDoubleFunction<StepMetrics> y) {
        return series(name, points, p -> p.step(), y);
    }

    private static XYChart lines(String title, String xLabel, String yLabel, List<Series> series, boolean logIfPositive) {
        return lines(title, xLabel, yLabel, series, logIfPositive, HEIGHT);
    }

    private static XYChart lines(String title, String xLabel, String yLabel, List<Series> series, boolean logIfPositive,
                                 int height) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(height).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        style(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        boolean allPositive = true;
        boolean any = false;
        for (Series s : series) {
            List<double[]> pts = s.points().stream().filter(p -> Double.isFinite(p[0]) && Double.isFinite(p[1]))
                    .toList();
            if (pts.isEmpty()) {
                continue; // e.g. loc/conf never logged in an MSE-only run
            }
            any = true;
            double[] xs = pts.stream().mapToDouble(p -> p[0]).toArray();
            double[] ys = pts.stream().mapToDouble(p -> p[1]).toArray();
            allPositive &= pts.stream().allMatch(p -> p[1] > 0);
            XYSeries xy = c.addSeries(s.name(), xs, ys);
            xy.setMarker(pts.size() <= 30 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        if (!any) {
            c.addSeries("(no data)", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        }
        // a log axis only where the values span a decade: over less, XChart labels no tick at all
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (XYSeries xy : c.getSeriesMap().values()) {
            lo = Math.min(lo, xy.getYMin());
            hi = Math.max(hi, xy.getYMax());
        }
        c.getStyler().setYAxisLogarithmic(logIfPositive && any && allPositive && hi >= 10 * lo);
        c.getStyler().setXAxisTickMarkSpacingHint(90);
        c.getStyler().setXAxisDecimalPattern("#");
        return c;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(java.awt.Color.WHITE);
        s.setPlotBackgroundColor(java.awt.Color.WHITE);
        s.setLegendBorderColor(new java.awt.Color(0xD0D0D0));
        s.setAntiAlias(true);
    }
}
