package dev.tdsr.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {
    @TempDir
    Path tmp;

    static String metricsJsonl(int steps) {
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
        MetricsLog log = MetricsLog.read(f);
        assertEquals(21, log.train().size());
        assertEquals(4, log.evals().size());
        assertEquals(50, log.evals().get(0).step());
        assertEquals(20.5, log.evals().get(0).psnrY(), 1e-12);
        assertEquals(0.15, log.evals().get(0).map07(), 1e-12);
        MetricsLog.TrainPoint last = log.train().get(20);
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

    @Test
    void chartsArePngsOfTheDocumentedSize() throws IOException {
        Path f = tmp.resolve("metrics.jsonl");
        Files.writeString(f, metricsJsonl(40));
        MetricsLog log = MetricsLog.read(f);
        Path loss = tmp.resolve("loss.png");
        Charts.writePng(Charts.losses("losses", log), loss);
        assertPng(loss, Charts.WIDTH, Charts.HEIGHT);
        Path curve = tmp.resolve("psnr.png");
        Charts.writePng(Charts.curves("psnr", "dB", List.of(
                Charts.series("TDSR", log.evals(), p -> p.step(), p -> p.psnrY()))), curve);
        assertPng(curve, Charts.WIDTH, Charts.HEIGHT);
        Path bars = tmp.resolve("bars.png");
        StudyResults r = PaperNumbers.table1(37.5);
        Charts.writePng(Charts.detectionBars(r), bars);
        BufferedImage img = assertPng(bars, Charts.WIDTH, Charts.HEIGHT);
        assertTrue(distinctColours(img) > 4, "bars chart is not blank");
    }

    @Test
    void lossAxisIsLogOnlyWhenAllPositive() throws IOException {
        Path f = tmp.resolve("metrics.jsonl");
        Files.writeString(f, metricsJsonl(10));
        assertTrue(Charts.losses("l", MetricsLog.read(f)).getStyler().isYAxisLogarithmic());
        Files.writeString(f, "{\"step\":1,\"mse\":0.1,\"loc\":0,\"conf\":0,\"loss\":0.1}\n"
                + "{\"step\":2,\"mse\":0.05,\"loc\":0,\"conf\":0,\"loss\":0.05}\n");
        assertTrue(!Charts.losses("l", MetricsLog.read(f)).getStyler().isYAxisLogarithmic());
    }

    static BufferedImage assertPng(Path file, int w, int h) throws IOException {
        byte[] head = Files.readAllBytes(file);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(w, img.getWidth(), file.toString());
        assertEquals(h, img.getHeight(), file.toString());
        return img;
    }

    static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> c = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                c.add(img.getRGB(x, y));
            }
        }
        return c.size();
    }
}
