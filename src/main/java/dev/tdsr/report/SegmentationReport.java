package dev.tdsr.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The segmentation study's outputs: results.json (every figure and the config), report.md and report.html (the
 * table, per-class IoU, the training curves as numbers, and the verdict on TDSR against SR-FT).
 *
 * @param overSrFt    share of bootstrap resamples of the test images in which TDSR's mIoU is above SR-FT's (ties
 *                    count half)
 * @param overBicubic the same against Bicubic
 * @param sr4irOverTdsr share of resamples in which SR4IR's mIoU is above TDSR's (null without the SR4IR row)
 */
public record SegmentationReport(String name, String description, int scale, int testImages, int trainImages,
                                 List<String> classNames, List<Row> rows, List<Curve> curves, double overSrFt,
                                 double overBicubic, Double sr4irOverTdsr, double minutes, String device,
                                 JsonNode config) {
    /** One row of the table; psnrY is null for HR and LR (no image to compare, or none of the HR's size). */
    public record Row(String method, double meanIou, double pixelAccuracy, Double psnrY, double[] classIou) {}

    /** A training curve: (step, mean loss over the logging interval) points. */
    public record Curve(String name, List<double[]> points) {}

    /** A gap is taken as real when one side wins in at least this share of resamples. */
    public static final double CONFIDENT = 0.95;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Row row(String method) {
        return rows.stream().filter(r -> r.method.equals(method)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no row " + method));
    }

    /** Does task-driven SR help segmentation here? In words, from the table and the bootstrap. */
    public String verdict() {
        double tdsr = row("TDSR").meanIou;
        double ft = row("SR-FT").meanIou;
        double gap = 100 * (tdsr - ft);
        String vs = String.format(Locale.ROOT, "TDSR mIoU %.2f vs SR-FT %.2f (%+.2f points; TDSR above in %.1f %% of "
                + "bootstrap resamples of the %d test images)", 100 * tdsr, 100 * ft, gap, 100 * overSrFt, testImages);
        String word = overSrFt >= CONFIDENT ? "yes: task-driven SR helps segmentation here, "
                : overSrFt <= 1 - CONFIDENT ? "no: task-driven SR segments worse here, "
                : "undetermined: the gap is within what another test set of this size could change, ";
        double hr = row("HR").meanIou;
        String sr4ir = sr4irOverTdsr == null ? "" : String.format(Locale.ROOT, "; SR4IR %.2f (%s TDSR: above it in "
                + "%.1f %% of resamples)", 100 * row("SR4IR").meanIou, sr4irOverTdsr >= CONFIDENT ? "beats"
                : sr4irOverTdsr <= 1 - CONFIDENT ? "below" : "not separable from", 100 * sr4irOverTdsr);
        return word + vs + String.format(Locale.ROOT, "; HR %.2f, Bicubic %.2f (TDSR above Bicubic in %.1f %%)",
                100 * hr, 100 * row("Bicubic").meanIou, 100 * overBicubic) + sr4ir;
    }

    public void write(Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("study", name);
        root.put("kind", "segmentation");
        root.put("scale", scale);
        root.put("test_images", testImages);
        root.put("train_images", trainImages);
        root.put("minutes", minutes);
        root.put("device", device);
        root.putPOJO("class_names", classNames);
        var rowsNode = root.putArray("rows");
        for (Row r : rows) {
            ObjectNode n = rowsNode.addObject();
            n.put("method", r.method);
            n.put("miou", r.meanIou);
            n.put("pixel_accuracy", r.pixelAccuracy);
            if (r.psnrY != null) {
                n.put("psnr_y", r.psnrY);
            } else {
                n.putNull("psnr_y");
            }
            var iou = n.putArray("class_iou");
            for (double v : r.classIou) {
                if (Double.isNaN(v)) {
                    iou.addNull();
                } else {
                    iou.add(v);
                }
            }
        }
        root.put("tdsr_over_sr_ft", overSrFt);
        root.put("tdsr_over_bicubic", overBicubic);
        if (sr4irOverTdsr != null) {
            root.put("sr4ir_over_tdsr", sr4irOverTdsr);
        }
        root.put("verdict", verdict());
        var curvesNode = root.putObject("curves");
        for (Curve c : curves) {
            curvesNode.putPOJO(c.name, c.points);
        }
        root.set("config", config);
        AtomicFiles.writeString(dir.resolve("results.json"), JSON.writeValueAsString(root));
        AtomicFiles.writeString(dir.resolve("report.md"), markdown());
        AtomicFiles.writeString(dir.resolve("report.html"), html());
    }

    /** The main table: method, mIoU, pixel accuracy, PSNR-Y. */
    public List<List<String>> table() {
        List<List<String>> out = new ArrayList<>();
        out.add(List.of("Method", "mIoU (%)", "Pixel acc. (%)", "PSNR-Y (dB)"));
        for (Row r : rows) {
            out.add(List.of(r.method, pct(r.meanIou), pct(r.pixelAccuracy),
                    r.psnrY == null ? "-" : String.format(Locale.ROOT, "%.2f", r.psnrY)));
        }
        return out;
    }

    private List<List<String>> classTable() {
        List<List<String>> out = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("Method"));
        head.addAll(classNames);
        out.add(head);
        for (Row r : rows) {
            List<String> line = new ArrayList<>(List.of(r.method));
            for (double v : r.classIou) {
                line.add(Double.isNaN(v) ? "-" : pct(v));
            }
            out.add(line);
        }
        return out;
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", 100 * v);
    }

    private String setup() {
        return String.format(Locale.ROOT, "Scale x%d; %d training and %d test images; FCN trained on HR, then frozen; "
                + "SR-FT and TDSR fine-tune SR for the same steps on the same batches (TDSR adds beta * pixel CE "
                + "through the FCN); %.1f min on %s.", scale, trainImages, testImages, minutes, device);
    }

    String markdown() {
        StringBuilder s = new StringBuilder("# Segmentation study: ").append(name).append("\n\n")
                .append(description).append("\n\n").append(setup()).append("\n\n");
        markdownTable(s, table());
        s.append("\n**Verdict:** ").append(verdict()).append("\n\n## IoU per class (%)\n\n");
        markdownTable(s, classTable());
        s.append("\n## Training curves (mean loss per logging interval)\n\n");
        for (Curve c : curves) {
            s.append("- ").append(c.name).append(": ");
            List<String> pts = new ArrayList<>();
            for (double[] p : c.points) {
                pts.add(String.format(Locale.ROOT, "%d: %.4g", (long) p[0], p[1]));
            }
            s.append(String.join(", ", pts)).append('\n');
        }
        return s.toString();
    }

    private static void markdownTable(StringBuilder s, List<List<String>> t) {
        for (int i = 0; i < t.size(); i++) {
            s.append("| ").append(String.join(" | ", t.get(i))).append(" |\n");
            if (i == 0) {
                s.append("|").append("---|".repeat(t.get(0).size())).append('\n');
            }
        }
    }

    String html() {
        StringBuilder s = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Segmentation "
                + "study ").append(esc(name)).append("</title><style>body{font-family:sans-serif;max-width:60em;margin:"
                + "2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:"
                + "right}td:first-child,th:first-child{text-align:left}</style></head><body>\n<h1>Segmentation study: ")
                .append(esc(name)).append("</h1>\n<p>").append(esc(description)).append("</p>\n<p>")
                .append(esc(setup())).append("</p>\n");
        htmlTable(s, table());
        s.append("<p><b>Verdict:</b> ").append(esc(verdict())).append("</p>\n<h2>IoU per class (%)</h2>\n");
        htmlTable(s, classTable());
        s.append("</body></html>\n");
        return s.toString();
    }

    private static void htmlTable(StringBuilder s, List<List<String>> t) {
        s.append("<table>\n");
        for (int i = 0; i < t.size(); i++) {
            String cell = i == 0 ? "th" : "td";
            s.append("<tr>");
            for (String c : t.get(i)) {
                s.append('<').append(cell).append('>').append(esc(c)).append("</").append(cell).append('>');
            }
            s.append("</tr>\n");
        }
        s.append("</table>\n");
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
