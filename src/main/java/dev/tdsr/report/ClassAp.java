package dev.tdsr.report;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One class's VOC AP as fractions: 11-point (VOC2007) and all-points (VOC2010+); null when undefined (no GT). */
public record ClassAp(@JsonProperty("ap07") Double ap07, @JsonProperty("ap") Double ap) {
    public ClassAp {
        ap07 = Numbers.finiteOrNull(ap07);
        ap = Numbers.finiteOrNull(ap);
    }
}
