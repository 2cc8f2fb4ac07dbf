package dev.tdsr.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tdsr.eval.CocoEvaluator;
import dev.tdsr.eval.VocEvaluator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of the study at one scale. Detection numbers are fractions (0.622, shown as 62.2 %). Missing values are
 * null: PSNR for HR (it is the reference), VOC numbers on a COCO run, COCO numbers on a VOC run.
 *
 * @param psnrY       PSNR on the Y channel (CF protocol of evaluation.md section 3), dB
 * @param psnrRgb     PSNR on RGB, dB
 * @param ssim        SSIM on Y, optional
 * @param map07       VOC2007 11-point mAP
 * @param map         all-points mAP
 * @param perClass    class name -> AP, in the dataset's class order
 * @param coco        the 12 COCO numbers
 * @param wallSeconds wall time of the row (training, if any, plus evaluation)
 * @param map07Resamples VOC07 mAP on each paired-bootstrap resample of the test images (the same resamples for every
 *                    row of a scale); null when not computed
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record MethodResult(@JsonProperty("method") Method method, @JsonProperty("psnr_y") Double psnrY,
                           @JsonProperty("psnr_rgb") Double psnrRgb, @JsonProperty("ssim") Double ssim,
                           @JsonProperty("map07") Double map07, @JsonProperty("map") Double map,
                           @JsonProperty("per_class") Map<String, ClassAp> perClass,
                           @JsonProperty("coco") CocoSummary coco,
                           @JsonProperty("wall_seconds") double wallSeconds,
                           @JsonProperty("map07_resamples") @JsonInclude(JsonInclude.Include.NON_NULL)
                           List<Double> map07Resamples) {
    public MethodResult {
        if (method == null) {
            throw new IllegalArgumentException("method result: field 'method' is required");
        }
        psnrY = Numbers.finiteOrNull(psnrY);
        psnrRgb = Numbers.finiteOrNull(psnrRgb);
        ssim = Numbers.finiteOrNull(ssim);
        map07 = Numbers.finiteOrNull(map07);
        map = Numbers.finiteOrNull(map);
        perClass = perClass == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(perClass));
        map07Resamples = map07Resamples == null ? null : List.copyOf(map07Resamples);
    }

    /** Without bootstrap resamples. */
    public MethodResult(Method method, Double psnrY, Double psnrRgb, Double ssim, Double map07, Double map,
                        Map<String, ClassAp> perClass, CocoSummary coco, double wallSeconds) {
        this(method, psnrY, psnrRgb, ssim, map07, map, perClass, coco, wallSeconds, null);
    }

    /**
     * A row from the evaluators' results (either may be null: a VOC study has no COCO numbers and vice versa); wall
     * time 0 (the study fills it in).
     */
    public static MethodResult of(Method method, Double psnrY, Double psnrRgb, Double ssim, VocEvaluator.Result voc,
                                  CocoEvaluator.Result coco) {
        Map<String, ClassAp> perClass = new LinkedHashMap<>();
        if (voc != null) {
            voc.classes().forEach(c -> perClass.put(c.className(), new ClassAp(c.ap07(), c.ap())));
        }
        return new MethodResult(method, psnrY, psnrRgb, ssim, voc == null ? null : voc.map07(),
                voc == null ? null : voc.map(), perClass, coco == null ? null : CocoSummary.of(coco.values()), 0);
    }

    /** The detection number the shape check and the bar chart compare: VOC07 mAP, else COCO AP@[.5:.95]. */
    public Double detectionScore() {
        if (map07 != null) {
            return map07;
        }
        return coco == null || coco.ap() < 0 ? null : coco.ap();
    }

    public MethodResult withWallSeconds(double seconds) {
        return new MethodResult(method, psnrY, psnrRgb, ssim, map07, map, perClass, coco, seconds, map07Resamples);
    }

    public MethodResult withMap07Resamples(double[] resamples) {
        return new MethodResult(method, psnrY, psnrRgb, ssim, map07, map, perClass, coco, wallSeconds,
                java.util.Arrays.stream(resamples).boxed().toList());
    }
}
