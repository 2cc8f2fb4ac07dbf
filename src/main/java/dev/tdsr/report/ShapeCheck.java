package dev.tdsr.report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Computes whether the study reproduces the shape of the paper's Tables 1 and 2 (training.md section 6): at each
 * scale TDSR > SR-FT+ >= SR-FT > Bicubic in detection accuracy, and TDSR's PSNR-Y below SR-FT's; where the scale has
 * an SRGAN row, also TDSR > SRGAN in detection accuracy (the paper: a perceptual objective does not help the detector
 * as the task loss does). Every verdict is
 * computed from the numbers; a missing number gives {@link Verdict#MISSING}, never a yes.
 *
 * <p>A verdict is about this test set. Where both rows carry VOC07 mAP on the same paired-bootstrap resamples of the
 * test images, a check also says in what share of them the relation holds ({@link Check#support()}): near 1 (or 0)
 * the gap is larger than another test set of this size would change; near 1/2 it is not.
 */
public final class ShapeCheck {
    private ShapeCheck() {}

    public enum Verdict {
        YES("yes"), NO("no"), MISSING("n/a"),
        /** Every detection score of the scale is 0: an ordering of zeros says nothing (a smoke run's detector). */
        UNDETERMINED("undetermined");

        private final String word;

        Verdict(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    /** Comparison of two numbers: strictly greater, greater or equal, strictly less. */
    public enum Relation {
        GREATER(">"), AT_LEAST(">="), LESS("<");

        private final String symbol;

        Relation(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        boolean holds(double a, double b) {
            return switch (this) {
                case GREATER -> a > b;
                case AT_LEAST -> a >= b;
                case LESS -> a < b;
            };
        }
    }

    /** One claim "left relation right" about one metric at one scale, with the numbers it was decided on. */
    public record Check(int scale, String metric, Method left, Relation relation, Method right, Double leftValue,
                        Double rightValue, Verdict verdict, Double support) {
        /** "TDSR > SR-FT+ in mAP". */
        public String claim() {
            return left + " " + relation.symbol() + " " + right + " in " + metric;
        }

        /** One of this check's values for people: "26.93 dB" (PSNR) or "16.5 %" (mAP/AP); "-" when missing. */
        public String formatted(Double v) {
            if (v == null || !Double.isFinite(v)) {
                return "-";
            }
            return metric.startsWith("PSNR") ? String.format(java.util.Locale.ROOT, "%.2f dB", v)
                    : String.format(java.util.Locale.ROOT, "%.1f %%", 100 * v);
        }
    }

    /** All checks, scale by scale in the results' order. */
    public static List<Check> run(StudyResults results) {
        List<Check> out = new ArrayList<>();
        for (ScaleResult s : results.scales()) {
            String det = detectionMetricName(s);
            out.add(check(s, det, Method.TDSR, Relation.GREATER, Method.SR_FT_PLUS, MethodResult::detectionScore));
            out.add(check(s, det, Method.SR_FT_PLUS, Relation.AT_LEAST, Method.SR_FT, MethodResult::detectionScore));
            out.add(check(s, det, Method.SR_FT, Relation.GREATER, Method.BICUBIC, MethodResult::detectionScore));
            out.add(check(s, "PSNR-Y", Method.TDSR, Relation.LESS, Method.SR_FT, MethodResult::psnrY));
            if (s.get(Method.SRGAN).isPresent()) { // studies without the row keep their four checks
                out.add(check(s, det, Method.TDSR, Relation.GREATER, Method.SRGAN, MethodResult::detectionScore));
            }
        }
        return out;
    }

    /** Share of at least {@code MIN_SUPPORT} is what the report calls a gap beyond test-set noise. */
    public static final double MIN_SUPPORT = 0.95;

    /** Yes only when every check says yes (and there is at least one). */
    public static Verdict overall(List<Check> checks) {
        if (checks.stream().anyMatch(c -> c.verdict() == Verdict.NO)) {
            return Verdict.NO;
        }
        if (checks.stream().anyMatch(c -> c.verdict() == Verdict.UNDETERMINED)) {
            return Verdict.UNDETERMINED;
        }
        return checks.isEmpty() || checks.stream().anyMatch(c -> c.verdict() == Verdict.MISSING) ? Verdict.MISSING
                : Verdict.YES;
    }

    /** No method of the scale detected anything right (every detection score is 0 or missing). */
    public static boolean allDetectionZero(ScaleResult s) {
        return s.methods().stream().map(MethodResult::detectionScore).allMatch(d -> d == null || d == 0);
    }

    /** "VOC07 mAP" when the scale has VOC numbers, else "COCO AP". */
    static String detectionMetricName(ScaleResult s) {
        return s.methods().stream().anyMatch(m -> m.map07() != null) ? "VOC07 mAP" : "COCO AP";
    }

    private static Check check(ScaleResult s, String metric, Method left, Relation rel, Method right,
                               Function<MethodResult, Double> value) {
        Double a = s.get(left).map(value).orElse(null);
        Double b = s.get(right).map(value).orElse(null);
        Verdict v = a == null || b == null ? Verdict.MISSING : rel.holds(a, b) ? Verdict.YES : Verdict.NO;
        if (!metric.startsWith("PSNR") && v != Verdict.MISSING && allDetectionZero(s)) {
            return new Check(s.scale(), metric, left, rel, right, a, b, Verdict.UNDETERMINED, null);
        }
        Double support = null;
        if (metric.equals("VOC07 mAP")) {
            List<Double> ra = s.get(left).map(MethodResult::map07Resamples).orElse(null);
            List<Double> rb = s.get(right).map(MethodResult::map07Resamples).orElse(null);
            if (ra != null && rb != null && ra.size() == rb.size() && !ra.isEmpty()) {
                int holds = 0;
                for (int i = 0; i < ra.size(); i++) {
                    holds += rel.holds(ra.get(i), rb.get(i)) ? 1 : 0;
                }
                support = (double) holds / ra.size();
            }
        }
        return new Check(s.scale(), metric, left, rel, right, a, b, v, support);
    }
}
