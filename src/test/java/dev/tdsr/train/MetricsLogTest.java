package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading metrics.jsonl back: the lines the report's charts draw. */
public class MetricsLogTest {
    @TempDir
    Path tmp;

    /** A metrics file of {@code steps} training lines (every 10 steps) with an evaluation every 5th (tests). */
    public static String metricsJsonl(int steps) {
        StringBuilder sb = new StringBuilder();
        for (int s = 1; s <= steps; s++) {
            double mse = 0.01 / s;
            double conf = 3.0 / Math.sqrt(s);
            sb.append(String.format(java.util.Locale.ROOT,
                    "{\"step\":%d,\"mse\":%s,\"loc\":%s,\"conf\":%s,\"loss\":%s,\"lr\":0.0001}%n", s * 10, mse,
                    conf / 2, conf, mse + 0.01 * (conf + conf / 2)));
            if (s % 5 == 0) {
                sb.append(String.format(java.util.Locale.ROOT,
                        "{\"step\":%d,\"eval\":{\"psnr_y\":%s,\"map07\":%s}}%n", s * 10, 20 + s * 0.1, 0.1 + s * 0.01));
            }
        }
        return sb.toString();
    }

    @Test
    void readsTrainingAndEvalLines() throws IOException {
        Path f = tmp.resolve("metrics.jsonl");
        Files.writeString(f, "{\"event\":\"stage\",\"stage\":1}\n" + metricsJsonl(20)
                + "{\"step\":210,\"mse\":0.001,\"loss\":0.001}\n{\"step\":220,\"ms");
        MetricsLog.Contents log = MetricsLog.read(f);
        assertEquals(21, log.steps().size());
        assertEquals(4, log.evals().size());
        assertEquals(50, log.evals().get(0).step());
        assertEquals(20.5, log.evals().get(0).psnrY(), 1e-12);
        assertEquals(0.15, log.evals().get(0).map07(), 1e-12);
        StepMetrics last = log.steps().get(20);
        assertEquals(210, last.step());
        assertTrue(Double.isNaN(last.conf()), "absent field reads as NaN");
    }

    @Test
    void brokenLineInTheMiddleNamesFileAndLine() throws IOException {
        Path f = tmp.resolve("metrics.jsonl");
        Files.writeString(f, "{\"step\":1,\"loss\":1}\n{oops\n{\"step\":2,\"loss\":1}\n");
        IOException e = assertThrows(IOException.class, () -> MetricsLog.read(f));
        assertTrue(e.getMessage().startsWith(f + ":2:"), e.getMessage());
    }
}
