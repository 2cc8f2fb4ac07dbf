package dev.tdsr.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The content of the study report as a list of blocks, rendered to Markdown by {@link MarkdownReport} and to HTML by
 * {@link HtmlReport}, so both say the same things.
 */
public final class ReportDocument {
    /** A piece of the report. Text is plain (renderers escape it). */
    public sealed interface Block permits Heading, Paragraph, Bullets, TableBlock, Picture {}

    public record Heading(int level, String text) implements Block {}

    public record Paragraph(String text) implements Block {}

    public record Bullets(List<String> items) implements Block {}

    public record TableBlock(Table table) implements Block {}

    /** A PNG in the output folder; {@code file} is relative to it. */
    public record Picture(String caption, Path file) implements Block {}

    /** An image to show in the report: caption and path relative to the output folder. */
    public record ReportImage(String caption, Path file) {}

    private ReportDocument() {}

    public static List<Block> build(StudyResults r, List<ReportImage> charts, List<ReportImage> figures) {
        List<Block> out = new ArrayList<>();
        RunMetadata m = r.metadata();
        out.add(new Heading(1, "TDSR study: " + (m == null ? "(no metadata)" : m.configName())));
        if (m != null) {
            out.add(new Bullets(List.of("Version: " + m.version(), "Dataset: " + m.dataset(),
                    "Device: " + m.device(), "Seed: " + m.seed(), "Started: " + m.started(),
                    "Total wall time: " + duration(m.totalWallSeconds()),
                    "Detector (training or loading): " + duration(m.detectorSeconds()))));
        }
        List<ShapeCheck.Check> checks = ShapeCheck.run(r);
        String smoke = smokeRun(m);
        if (smoke != null) {
            out.add(new Paragraph(smoke));
        }
        out.add(new Heading(2, "Does the paper's shape hold?"));
        out.add(new Paragraph("Overall: " + ShapeCheck.overall(checks).word()
                + (smoke != null ? " (a smoke run: not a test of the paper)" : "") + ". Checked at each scale: TDSR > "
                + "SR-FT+ >= SR-FT > Bicubic in detection accuracy, TDSR's PSNR-Y below SR-FT's (the paper: "
                + "the task loss trades fidelity for detectability), and where the study has the SRGAN row, TDSR > "
                + "SRGAN in detection accuracy (a perceptual objective does not help the detector as the task loss "
                + "does)."));
        out.add(new TableBlock(Tables.shape(checks)));
        List<String> failed = new ArrayList<>();
        for (ShapeCheck.Check c : checks) {
            if (c.verdict() != ShapeCheck.Verdict.YES) {
                failed.add("×" + c.scale() + ": " + c.claim() + " "
                        + (c.verdict() == ShapeCheck.Verdict.NO ? "fails"
                                : c.verdict() == ShapeCheck.Verdict.UNDETERMINED
                                        ? "is undetermined (every detection score at this scale is 0)"
                                        : "cannot be checked (a number is missing)")
                        + ": " + c.left() + " " + Tables.value(c, c.leftValue()) + " vs " + c.right() + " "
                        + Tables.value(c, c.rightValue()));
            }
        }
        out.add(new Paragraph(failed.isEmpty() ? "Nothing failed." : "What failed or could not be decided:"));
        if (!failed.isEmpty()) {
            out.add(new Bullets(failed));
        }
        List<String> weak = new ArrayList<>();
        Integer resamples = null;
        for (ShapeCheck.Check c : checks) {
            if (c.support() != null) {
                resamples = r.scales().stream().filter(s -> s.scale() == c.scale()).findFirst()
                        .flatMap(s -> s.get(c.left())).map(x -> x.map07Resamples().size()).orElse(null);
                double sameWay = c.verdict() == ShapeCheck.Verdict.YES ? c.support() : 1 - c.support();
                if (sameWay < ShapeCheck.MIN_SUPPORT) {
                    weak.add("×" + c.scale() + ": " + c.claim() + " (" + c.verdict().word() + " here, holds in "
                            + Numbers.percent(c.support()) + " % of the resamples)");
                }
            }
        }
        if (resamples != null) {
            out.add(new Paragraph("Holds in resamples: the share of " + resamples + " paired bootstrap resamples of "
                    + "the test images (drawn with replacement, the same for every row of a scale) in which the "
                    + "relation holds. A verdict that fewer than " + Numbers.fixed(ShapeCheck.MIN_SUPPORT * 100, 0)
                    + " % of them agree with could change with another test set of this size: "
                    + (weak.isEmpty() ? "no verdict is that close." : "")));
            if (!weak.isEmpty()) {
                out.add(new Bullets(weak));
            }
        }
        for (ScaleResult s : r.scales()) {
            out.add(new Heading(2, "Scale ×" + s.scale()));
            out.add(new TableBlock(Tables.quality(s)));
            Table perClass = Tables.perClass(s);
            if (perClass != null) {
                out.add(new TableBlock(perClass));
            }
            Table coco = Tables.coco(s);
            if (coco != null) {
                out.add(new TableBlock(coco));
            }
        }
        if (Charts.detectionAllZero(r) && !r.scales().isEmpty()) {
            out.add(new Paragraph("No detection chart: every detection score is 0 (the detector found nothing right;"
                    + " with a smoke run's detector that is expected)."));
        }
        pictures(out, "Charts", charts);
        pictures(out, "Figures", figures);
        return out;
    }

    /**
     * The header line of a smoke run (the shipped "quick" config, or a config whose description says "smoke"), or
     * null: its tiny networks and few steps show that every part runs, not the paper's shape.
     */
    public static String smokeRun(RunMetadata m) {
        if (m == null) {
            return null;
        }
        String description = m.config() == null ? "" : m.config().path("description").asText("");
        if (!"quick".equals(m.configName()) && !description.toLowerCase(Locale.ROOT).contains("smoke")) {
            return null;
        }
        return "This is a smoke run (config '" + m.configName() + "'): tiny networks, a few images and steps. It "
                + "shows that every part of the study runs; its numbers say nothing about the paper's claims. Run "
                + "train without --quick (the default study) for those.";
    }

    private static void pictures(List<Block> out, String title, List<ReportImage> images) {
        if (images.isEmpty()) {
            return;
        }
        out.add(new Heading(2, title));
        for (ReportImage i : images) {
            out.add(new Picture(i.caption(), i.file()));
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? String.format(Locale.ROOT, "%.1f s", seconds)
                : String.format(Locale.ROOT, "%d h %02d min %02d s", s / 3600, s / 60 % 60, s % 60);
    }
}
