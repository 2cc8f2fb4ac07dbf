package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

class DetectionOutputTest {
    private static final int C = 4;
    private final PriorBoxes priors = new PriorBoxes(SsdConfig.voc().priorSpec());
    private final Backend b = GradCheck.cpu();

    private List<Detection> run(DetectionOutput out) {
        try (Scope s = Scope.open()) {
            int p = priors.count();
            double[] logits = new double[p * C];
            for (int q = 0; q < p; q++) {
                logits[q * C] = 10; // background everywhere: other scores ~ e^-10 < 0.01
            }
            logits[160 * C + 3] = 12;  // prior 160, class 3
            logits[161 * C + 3] = 11;  // same center, 0.1414 box: IoU 0.5 with prior 160 -> suppressed
            logits[7996 * C + 2] = 11.5; // a prior of the 10x10 map, class 2
            double[] loc = new double[p * 4];
            loc[7996 * 4] = 1; // moved right by 0.1 * w
            Tensor l = HostDoubles.of(b, DType.F32, loc, 1, p, 4);
            Tensor c = HostDoubles.of(b, DType.F32, logits, 1, p, C);
            return out.detect(l, c, new double[] {500}, new double[] {375});
        }
    }

    @Test
    void decodeSoftmaxNmsAndPixelCoordinates() {
        List<Detection> d = run(DetectionOutput.standard(priors, C));
        assertEquals(2, d.size());
        double score = Math.exp(12) / (Math.exp(12) + Math.exp(10) + 2);
        Detection first = d.get(0);
        assertEquals(3, first.classIndex());
        assertEquals(score, first.score(), 1e-6);
        double cx = 2.5 / 37.5;
        double cy = 1.5 / 37.5;
        assertEquals((cx - 0.05) * 500, first.x1(), 1e-3);
        assertEquals((cy - 0.05) * 375, first.y1(), 1e-3);
        assertEquals((cx + 0.05) * 500, first.x2(), 1e-3);
        assertEquals((cy + 0.05) * 375, first.y2(), 1e-3);
        Detection second = d.get(1);
        assertEquals(2, second.classIndex());
        double[] pr = priors.get(7996);
        assertEquals((pr[0] + 0.1 * pr[2] - pr[2] / 2) * 500, second.x1(), 1e-3);
        assertEquals(0, second.image());
    }

    @Test
    void perImageCap() {
        List<Detection> d = run(new DetectionOutput(priors, C, 0.01, 200, 0.45, 1));
        assertEquals(1, d.size());
        // without NMS suppression (threshold 0.6 > IoU 0.5) prior 161 survives too
        assertEquals(3, run(new DetectionOutput(priors, C, 0.01, 200, 0.6, 200)).size());
    }
}
