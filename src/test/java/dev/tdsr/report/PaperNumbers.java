package dev.tdsr.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test fixture: the paper's Table 1 (and a few Table 2 numbers) as a StudyResults, fractions like the evaluators'. */
public final class PaperNumbers {
    private PaperNumbers() {}

    static final List<String> VOC = List.of("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
            "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
            "train", "tvmonitor");
    static final double[] TDSR4 = {70.6, 70.1, 55.0, 49.4, 29.8, 71.4, 71.1, 74.4, 41.3, 62.6, 66.4, 69.8, 76.1, 71.7,
        67.7, 32.8, 59.9, 71.8, 70.9, 62.0};

    /** {method, psnrY, mAP%} at 4x and 8x (training.md section 6). */
    static final Object[][] X4 = {{Method.HR, null, 75.8}, {Method.LR, null, 41.7}, {Method.BICUBIC, 25.30, 41.3},
        {Method.SR, 22.87, 41.9}, {Method.SR_FT, 26.65, 52.6}, {Method.SR_FT_PLUS, 26.72, 53.6},
        {Method.TDSR, 24.06, 62.2}};
    static final Object[][] X8 = {{Method.HR, null, 75.8}, {Method.LR, null, 16.6}, {Method.BICUBIC, 21.85, 11.2},
        {Method.SR, 17.50, 10.6}, {Method.SR_FT, 22.77, 22.0}, {Method.SR_FT_PLUS, 22.82, 22.9},
        {Method.TDSR, 22.26, 37.5}};

    static MethodResult row(Method m, Double psnrY, double mapPercent) {
        Map<String, ClassAp> perClass = new LinkedHashMap<>();
        if (m == Method.TDSR) {
            for (int i = 0; i < VOC.size(); i++) {
                perClass.put(VOC.get(i), new ClassAp(TDSR4[i] / 100, TDSR4[i] / 100 + 0.01));
            }
        }
        CocoSummary coco = m == Method.TDSR ? CocoSummary.of(0.167, 0.302, 0.167, 0.027, 0.158, 0.310, 0.2, 0.3, 0.35,
                0.05, 0.3, 0.5) : null;
        return new MethodResult(m, psnrY, psnrY == null ? null : psnrY - 1.5, null, mapPercent / 100,
                mapPercent / 100 + 0.02, perClass, coco, 12.0);
    }

    static ScaleResult scale(int s, Object[][] table) {
        List<MethodResult> rows = new ArrayList<>();
        for (Object[] r : table) {
            rows.add(row((Method) r[0], (Double) r[1], (Double) r[2]));
        }
        return new ScaleResult(s, rows);
    }

    static RunMetadata metadata() {
        return new RunMetadata("dev", 7, "cpu", "synthetic test data", "test", new ObjectMapper().createObjectNode()
                .put("name", "test"), "2026-11-21T00:00:00Z", 3725.0, 5.0, "detector/metrics.jsonl",
                List.of(new RunMetadata.TrainingLog(4, Method.TDSR, "x4/tdsr/metrics.jsonl")));
    }

    /** Table 1 with the given 8x TDSR mAP (37.5 in the paper). */
    public static StudyResults table1(double tdsr8) {
        Object[][] x8 = X8.clone();
        x8[6] = new Object[] {Method.TDSR, 22.26, tdsr8};
        return new StudyResults(metadata(), List.of(scale(4, X4), scale(8, x8)));
    }
}
