package dev.tdsr.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.data.Image;
import dev.tdsr.report.ChartsTest;
import dev.tdsr.report.DetectionBox;
import dev.tdsr.report.FigureGrid;
import dev.tdsr.report.FigureGridTest;
import dev.tdsr.report.Method;
import dev.tdsr.report.MethodResult;
import dev.tdsr.report.PaperNumbers;
import dev.tdsr.report.Report;
import dev.tdsr.report.RunMetadata;
import dev.tdsr.report.ScaleResult;
import dev.tdsr.report.ShapeCheck;
import dev.tdsr.report.StudyResults;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudyTest {
    @TempDir
    Path out;

    /** Fake steps: numbers from the paper's Table 1 (8x TDSR mAP configurable), a metrics.jsonl per training. */
    static final class FakeSteps implements StudySteps {
        final List<String> calls = new ArrayList<>();
        final double tdsr8;

        FakeSteps(double tdsr8) {
            this.tdsr8 = tdsr8;
        }

        @Override
        public Trained prepareDetector(StudyConfig config, Path dir) throws IOException {
            calls.add("detector");
            Files.writeString(dir.resolve("metrics.jsonl"), "{\"step\":1,\"loc\":2.0,\"conf\":4.0,\"loss\":6.0}\n"
                    + "{\"step\":2,\"loc\":1.5,\"conf\":3.0,\"loss\":4.5}\n");
            return new Trained(dir, dir.resolve("metrics.jsonl"));
        }

        @Override
        public Trained pretrainSr(StudyConfig config, int scale, Path dir) throws IOException {
            calls.add("pretrain x" + scale);
            return new Trained(dir, log(dir, 10));
        }

        @Override
        public Trained finetune(StudyConfig config, Method m, int scale, Trained pretrained, Path dir)
                throws IOException {
            calls.add("finetune " + m + " x" + scale + " from " + pretrained.modelDir().getFileName() + " with "
                    + config.training().schedule(m));
            return new Trained(dir, log(dir, 20));
        }

        @Override
        public Trained trainSrgan(StudyConfig config, int scale, Path dir) throws IOException {
            calls.add("train SRGAN x" + scale + " with " + config.srgan().schedule());
            return new Trained(dir, log(dir, 15));
        }

        @Override
        public Evaluation evaluate(StudyConfig config, Method m, int scale, Trained sr, Path dir) {
            calls.add("eval " + m + " x" + scale + (sr == null ? "" : " on " + sr.modelDir().getFileName()));
            ScaleResult table = PaperNumbers.table1(tdsr8).scale(scale).orElseThrow();
            // SRGAN: made-up numbers between Bicubic and SR-FT (the fixture holds only the paper's other rows)
            MethodResult r = m == Method.SRGAN ? new MethodResult(Method.SRGAN, 23.5, 22.0, null,
                    scale == 4 ? 0.45 : 0.15, scale == 4 ? 0.47 : 0.17, null, null, 12.0, null)
                    : table.get(m).orElseThrow();
            List<FigureSample> samples = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int side = m == Method.LR ? 300 / scale : 300;
                Image im = FigureGridTest.grey(side, i, i);
                double k = side / 300.0;
                samples.add(new FigureSample("00000" + i, im,
                        List.of(new DetectionBox("cat", 0.9, 50 * k, 60 * k, 200 * k, 220 * k)), r.psnrY()));
            }
            return new Evaluation(r.withWallSeconds(-1), samples);
        }

        private static Path log(Path dir, int steps) throws IOException {
            Path f = dir.resolve("metrics.jsonl");
            Files.writeString(f, dev.tdsr.train.MetricsLogTest.metricsJsonl(steps));
            return f;
        }
    }

    static StudyConfig config() throws IOException {
        // schedules pinned here: the default config's are tuned for time, not for this test
        return ConfigLoader.resolve("default", List.of("evaluation.figure_images=2", "training.sr_ft_schedule=200:1:0",
                "training.sr_ft_plus_schedule=200:1:0+400:1:0", "training.tdsr_schedule=200:1:0+400:1:0.01"));
    }

    @Test
    void runsEveryRowInOrderAndWritesTheReport() throws Exception {
        FakeSteps steps = new FakeSteps(37.5);
        StudyResults r = new Study(config(), steps, out, "fake data").run();

        List<String> expected = new ArrayList<>(List.of("detector"));
        for (int s : List.of(4, 8)) {
            expected.addAll(List.of("eval HR x" + s, "eval LR x" + s, "eval Bicubic x" + s,
                    "train SRGAN x" + s + " with 30:1:0+20:1:0.001", "eval SRGAN x" + s + " on srgan", "pretrain x" + s,
                    "eval SR x" + s + " on sr",
                    "finetune SR-FT x" + s + " from sr with 200:1:0", "eval SR-FT x" + s + " on sr-ft",
                    "finetune SR-FT+ x" + s + " from sr with 200:1:0+400:1:0", "eval SR-FT+ x" + s + " on sr-ft-plus",
                    "finetune TDSR x" + s + " from sr with 200:1:0+400:1:0.01", "eval TDSR x" + s + " on tdsr"));
        }
        assertEquals(expected, steps.calls);

        assertEquals(r, StudyResults.read(out.resolve("results.json")));
        assertEquals(List.of(4, 8), r.scales().stream().map(ScaleResult::scale).toList());
        for (ScaleResult s : r.scales()) {
            assertEquals(8, s.methods().size());
            s.methods().forEach(m -> assertTrue(m.wallSeconds() >= 0, "study measures wall time, not the fake"));
        }
        assertEquals("fake data", r.metadata().dataset());
        assertEquals("default", r.metadata().configName());
        assertEquals(List.of("x4/srgan/metrics.jsonl", "x4/sr/metrics.jsonl", "x4/sr-ft/metrics.jsonl",
                "x4/sr-ft-plus/metrics.jsonl", "x4/tdsr/metrics.jsonl", "x8/srgan/metrics.jsonl",
                "x8/sr/metrics.jsonl", "x8/sr-ft/metrics.jsonl",
                "x8/sr-ft-plus/metrics.jsonl", "x8/tdsr/metrics.jsonl"),
                r.metadata().trainingLogs().stream().map(RunMetadata.TrainingLog::metricsJsonl).toList());
        assertEquals(config().training().lr(), r.metadata().config().at("/training/lr").asDouble(), 0.0,
                "the run records its whole config");

        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("Overall: yes."), md);
        assertTrue(md.contains("| TDSR | 24.06 | 22.56 | 62.2 | 64.2 |"), md);
        List<String> links = new ArrayList<>();
        Matcher lm = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(md);
        while (lm.find()) {
            links.add(lm.group(1));
        }
        assertEquals("detector/metrics.jsonl", r.metadata().detectorLog());
        assertTrue(links.containsAll(List.of("charts/detection_bars.png", "charts/loss_detector.png",
                "charts/loss_x4_tdsr.png",
                "charts/loss_x8_sr-ft-plus.png", "charts/psnr_x4.png", "charts/map_x8.png", "figures/figure_x4.png",
                "figures/figure_x8.png")), links.toString());
        for (String l : links) {
            assertNotNull(ImageIO.read(out.resolve(l).toFile()), l);
        }
        // figure: HR LR Bicubic SRGAN SR-FT TDSR x 2 images, cells of 240
        ChartsTest.assertPng(out.resolve("figures/figure_x4.png"), 6 * Study.FIGURE_CELL + 7 * FigureGrid.GAP,
                FigureGrid.TITLE_HEIGHT + 2 * (Study.FIGURE_CELL + FigureGrid.CAPTION_HEIGHT + FigureGrid.GAP)
                        + FigureGrid.GAP);

        String html = Files.readString(out.resolve("report.html"));
        Matcher im = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int embedded = 0;
        while (im.find()) {
            embedded++;
            assertNotNull(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(im.group(1)))));
        }
        assertEquals(links.size(), embedded, "every picture of the markdown is embedded in the html");
        assertFalse(html.contains("src=\"charts/") || html.contains("src=\"figures/"), "no external files");
        assertFalse(html.toLowerCase().contains("<script"));
        assertTrue(html.contains("<tr><td>TDSR</td><td class=\"num\">24.06</td><td class=\"num\">22.56</td>"
                + "<td class=\"num\">62.2</td><td class=\"num\">64.2</td>"), html);
        assertTrue(html.contains("<td>×8</td><td>TDSR &gt; SR-FT+ in VOC07 mAP</td><td>TDSR = 37.5 %</td>"
                + "<td>SR-FT+ = 22.9 %</td><td>yes</td>"), html);
        assertTrue(html.contains("<td>×8</td><td>TDSR &gt; SRGAN in VOC07 mAP</td><td>TDSR = 37.5 %</td>"
                + "<td>SRGAN = 15.0 %</td><td>yes</td>"), html);
        assertTrue(md.contains("| SRGAN | 23.50 | 22.00 |"), md);
    }

    @Test
    void failingOrderingIsReportedAsNo() throws Exception {
        StudyConfig c = ConfigLoader.resolve("default", List.of("scales=[8]", "evaluation.figure_images=1"));
        StudyResults r = new Study(c, new FakeSteps(20.0), out, "fake data").run();
        assertEquals(ShapeCheck.Verdict.NO, ShapeCheck.overall(ShapeCheck.run(r)));
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("Overall: no."), md);
        assertTrue(md.contains("- ×8: TDSR > SR-FT+ in VOC07 mAP fails: TDSR 20.0 % vs SR-FT+ 22.9 %"), md);
        assertTrue(Files.readString(out.resolve("report.html")).contains("<td>no</td>"));
    }

    @Test
    void rerenderFromResultsJsonGivesTheSameReport() throws Exception {
        StudyConfig c = ConfigLoader.resolve("default", List.of("scales=[4]", "evaluation.figure_images=1"));
        new Study(c, new FakeSteps(37.5), out, "fake data").run();
        String md = Files.readString(out.resolve("report.md"));
        Files.delete(out.resolve("report.md"));
        Report.rerender(out.resolve("results.json"));
        assertEquals(md, Files.readString(out.resolve("report.md")));
    }

    @Test
    void placeholderPathsStopTheStudyBeforeAnyWork() throws IOException {
        FakeSteps steps = new FakeSteps(37.5);
        Study s = new Study(ConfigLoader.builtin("voc0712"), steps, out, "VOC");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::run);
        assertTrue(e.getMessage().contains("dataset.train_root"), e.getMessage());
        assertEquals(List.of(), steps.calls);
    }

    @Test
    void onlyConfiguredRowsRunAndFineTuningStillGetsAPretrainedSr() throws Exception {
        FakeSteps steps = new FakeSteps(37.5);
        StudyConfig c = ConfigLoader.resolve("default", List.of("scales=[8]", "methods=[\"Bicubic\",\"TDSR\"]",
                "training.tdsr_schedule=200:1:0+400:1:0.01", "evaluation.figure_images=1"));
        StudyResults r = new Study(c, steps, out, "fake").run();
        assertEquals(List.of("detector", "eval Bicubic x8", "pretrain x8",
                "finetune TDSR x8 from sr with 200:1:0+400:1:0.01", "eval TDSR x8 on tdsr"), steps.calls);
        assertEquals(List.of(Method.BICUBIC, Method.TDSR),
                r.scales().get(0).methods().stream().map(MethodResult::method).toList());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("| ×8 | TDSR > SR-FT+ in VOC07 mAP | TDSR = 37.5 % | SR-FT+ = – % | n/a |"), md);
    }
}
