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

    @Test
    void lossPanelsGiveEachScaleItsOwnAxisAndDrawOnlyTheTermsARunHas() throws IOException {
        Path f = tmp.resolve("metrics.jsonl");
        Files.writeString(f, metricsJsonl(10)); // mse, loc and conf: a TDSR run
        List<org.knowm.xchart.XYChart> tdsr = Charts.lossPanels("t", MetricsLog.read(f));
        assertEquals(3, tdsr.size());
        assertEquals(List.of("mse"), List.copyOf(tdsr.get(0).getSeriesMap().keySet()));
        assertEquals(List.of("loc", "conf"), List.copyOf(tdsr.get(1).getSeriesMap().keySet()));
        Files.writeString(f, "{\"step\":1,\"mse\":0.1,\"loc\":0,\"conf\":0,\"loss\":0.1}\n"
                + "{\"step\":2,\"mse\":0.05,\"loc\":0,\"conf\":0,\"loss\":0.05}\n");
        List<org.knowm.xchart.XYChart> sr = Charts.lossPanels("s", MetricsLog.read(f));
        assertEquals(1, sr.size(), "an SR run: MSE only, no loc/conf lines");
        assertEquals(List.of("mse"), List.copyOf(sr.get(0).getSeriesMap().keySet()));
        Files.writeString(f, "{\"step\":1,\"mse\":0,\"loc\":2,\"conf\":5,\"loss\":7}\n");
        List<org.knowm.xchart.XYChart> det = Charts.lossPanels("d", MetricsLog.read(f));
        assertEquals(1, det.size(), "a detector: no MSE panel");
        Path png = tmp.resolve("panels.png");
        Charts.writePanels(tdsr, png);
        assertPng(png, Charts.WIDTH, 3 * Charts.PANEL_HEIGHT);
    }

    @Test
    void allZeroDetectionGivesNoBarChart() {
        List<MethodResult> rows = new java.util.ArrayList<>();
        for (MethodResult m : PaperNumbers.scale(4, PaperNumbers.X4).methods()) {
            rows.add(PaperNumbers.row(m.method(), m.psnrY(), 0.0));
        }
        StudyResults zero = new StudyResults(null, List.of(new ScaleResult(4, rows)));
        assertTrue(Charts.detectionAllZero(zero));
        assertTrue(!Charts.detectionAllZero(PaperNumbers.table1(37.5)));
        String md = MarkdownReport.render(ReportDocument.build(zero, List.of(), List.of()));
        assertTrue(md.contains("No detection chart: every detection score is 0"), md);
    }

    @Test
    void curveTicksShowAFewDecimals() {
        org.knowm.xchart.XYChart c = Charts.curves("psnr", "dB", List.of(new Charts.Series("SR",
                List.of(new double[] {10, 30.287853557768546}, new double[] {20, 30.900856419842324}))));
        java.text.DecimalFormat f = new java.text.DecimalFormat(c.getStyler().getYAxisDecimalPattern(),
                java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT));
        assertEquals("30.29", f.format(30.287853557768546));
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
