package dev.tdsr.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The 12 numbers of pycocotools' {@code COCOeval.summarize()}, as fractions; -1 where pycocotools prints -1 (no
 * ground truth in that slice). JSON keys are the names of {@link #NAMES}.
 */
public record CocoSummary(@JsonProperty("AP") double ap, @JsonProperty("AP50") double ap50,
                          @JsonProperty("AP75") double ap75, @JsonProperty("APs") double apSmall,
                          @JsonProperty("APm") double apMedium, @JsonProperty("APl") double apLarge,
                          @JsonProperty("AR1") double ar1, @JsonProperty("AR10") double ar10,
                          @JsonProperty("AR100") double ar100, @JsonProperty("ARs") double arSmall,
                          @JsonProperty("ARm") double arMedium, @JsonProperty("ARl") double arLarge) {
    /** Names in pycocotools' print order (the same as dev.tdsr.eval's CocoEvaluator.Result.NAMES). */
    public static final List<String> NAMES = List.of("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10",
            "AR100", "ARs", "ARm", "ARl");

    /** From the 12 stats in pycocotools order. */
    public static CocoSummary of(double... s) {
        if (s.length != 12) {
            throw new IllegalArgumentException("coco summary: expected 12 numbers (" + String.join(", ", NAMES)
                    + "), got " + s.length);
        }
        return new CocoSummary(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11]);
    }

    public double[] values() {
        return new double[] {ap, ap50, ap75, apSmall, apMedium, apLarge, ar1, ar10, ar100, arSmall, arMedium,
            arLarge};
    }
}
