package dev.tdsr.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The study's tables, shaped like the paper's: Table 1 (PSNR, VOC mAP, per-class AP) and Table 2 (COCO). */
public final class Tables {
    private Tables() {}

    /** Rows = methods; PSNR-Y, PSNR-RGB, SSIM (when any row has it), VOC07 mAP %, all-points mAP %, wall time. */
    public static Table quality(ScaleResult s) {
        boolean ssim = s.methods().stream().anyMatch(m -> m.ssim() != null);
        List<String> header = new ArrayList<>(List.of("Method", "PSNR-Y (dB)", "PSNR-RGB (dB)"));
        if (ssim) {
            header.add("SSIM");
        }
        header.addAll(List.of("VOC07 mAP %", "mAP (all points) %", "Wall time (s)"));
        List<List<String>> rows = new ArrayList<>();
        for (MethodResult m : s.methods()) {
            List<String> row = new ArrayList<>(List.of(m.method().label(), Numbers.fixed(m.psnrY(), 2),
                    Numbers.fixed(m.psnrRgb(), 2)));
            if (ssim) {
                row.add(Numbers.fixed(m.ssim(), 4));
            }
            row.addAll(List.of(Numbers.percent(m.map07()), Numbers.percent(m.map()),
                    Numbers.fixed(m.wallSeconds(), 1)));
            rows.add(row);
        }
        return new Table("×" + s.scale() + ": image quality and VOC07 detection", header, rows);
    }

    /** Rows = methods, columns = classes (union in first-seen order): 11-point AP in %; null when no row has any. */
    public static Table perClass(ScaleResult s) {
        Set<String> classes = new LinkedHashSet<>();
        s.methods().forEach(m -> classes.addAll(m.perClass().keySet()));
        if (classes.isEmpty()) {
            return null;
        }
        List<String> header = new ArrayList<>(List.of("Method"));
        header.addAll(classes);
        List<List<String>> rows = new ArrayList<>();
        for (MethodResult m : s.methods()) {
            List<String> row = new ArrayList<>(List.of(m.method().label()));
            for (String c : classes) {
                ClassAp ap = m.perClass().get(c);
                row.add(Numbers.percent(ap == null ? null : ap.ap07()));
            }
            rows.add(row);
        }
        return new Table("×" + s.scale() + ": per-class AP (VOC07 11-point, %)", header, rows);
    }

    /** Rows = methods, columns = the 12 COCO numbers in %; null when no row has COCO numbers. */
    public static Table coco(ScaleResult s) {
        if (s.methods().stream().allMatch(m -> m.coco() == null)) {
            return null;
        }
        List<String> header = new ArrayList<>(List.of("Method"));
        header.addAll(CocoSummary.NAMES);
        List<List<String>> rows = new ArrayList<>();
        for (MethodResult m : s.methods()) {
            List<String> row = new ArrayList<>(List.of(m.method().label()));
            double[] v = m.coco() == null ? null : m.coco().values();
            for (int i = 0; i < CocoSummary.NAMES.size(); i++) {
                row.add(v == null ? "–" : Numbers.percent(v[i]));
            }
            rows.add(row);
        }
        return new Table("×" + s.scale() + ": COCO detection (%)", header, rows);
    }

    /** One row per check: scale, claim, both numbers, verdict, share of bootstrap resamples where it holds. */
    public static Table shape(List<ShapeCheck.Check> checks) {
        List<List<String>> rows = new ArrayList<>();
        for (ShapeCheck.Check c : checks) {
            rows.add(List.of("×" + c.scale(), c.claim(), c.left() + " = " + value(c, c.leftValue()),
                    c.right() + " = " + value(c, c.rightValue()), c.verdict().word(),
                    c.support() == null ? "–" : Numbers.percent(c.support()) + " %"));
        }
        return new Table("Orderings checked", List.of("Scale", "Claim", "Left", "Right", "Holds?",
                "Holds in resamples"), rows);
    }

    /** A check's number as shown: PSNR in dB, detection scores in %. */
    static String value(ShapeCheck.Check c, Double v) {
        return c.metric().startsWith("PSNR") ? Numbers.fixed(v, 2) + " dB" : Numbers.percent(v) + " %";
    }
}
