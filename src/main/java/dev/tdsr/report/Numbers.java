package dev.tdsr.report;

import java.util.Locale;

/** Number helpers shared by the result model and the renderers. */
final class Numbers {
    private Numbers() {}

    /** JSON has no NaN/Infinity: an undefined value (a class without GT, a missing PSNR) is stored as null. */
    static Double finiteOrNull(Double v) {
        return v == null || !Double.isFinite(v) ? null : v;
    }

    /** Fixed decimals, or an en dash for a missing value. */
    static String fixed(Double v, int decimals) {
        return v == null || !Double.isFinite(v) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** A fraction as a percentage with one decimal ("62.2"); COCO's -1 (no GT in the slice) is shown missing. */
    static String percent(Double fraction) {
        return fraction == null || fraction < 0 ? "–" : fixed(fraction * 100, 1);
    }
}
