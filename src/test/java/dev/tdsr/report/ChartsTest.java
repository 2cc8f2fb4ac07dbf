package dev.tdsr.report;

import static dev.tdsr.train.MetricsLogTest.metricsJsonl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.train.MetricsLog;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class ChartsTest {
    @TempDir
    Path tmp;

    @Test
    void chartsArePngsOfTheDocumentedSize() throws IOException {
        Path f = tmp.resolve("metrics.jsonl");
        Files.writeString(f, metricsJsonl(40));
        MetricsLog.Contents log = MetricsLog.read(f);
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

    public static BufferedImage assertPng(Path file, int w, int h) throws IOException {
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
