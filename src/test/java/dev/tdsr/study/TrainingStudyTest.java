package dev.tdsr.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.cli.Main;
import dev.tdsr.report.Method;
import dev.tdsr.report.MethodResult;
import dev.tdsr.report.ScaleResult;
import dev.tdsr.report.ShapeCheck;
import dev.tdsr.report.StudyResults;
import dev.tdsr.train.MetricsLog;
import dev.tdsr.train.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole study on the real engine, shrunk to seconds: {@code train --quick} with overrides, through the CLI as a
 * user runs it. Checks that every row is trained and evaluated and the report is written, not the numbers.
 */
class TrainingStudyTest {
    @TempDir
    Path dir;

    /** {@code train --quick} shrunk to seconds, at the given scales, with extra arguments. */
    private static String[] tinyStudy(Path out, String scales, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--quick", "--device", "cpu", "--out",
                out.toString()));
        for (String set : List.of("scales=" + scales, "dataset.synthetic_images=10", "dataset.max_test_images=2",
                "detector.train_iterations=2", "detector.train_batch=2", "sr.pretrain_iterations=2",
                "training.sr_ft_schedule=1:1:0", "training.sr_ft_plus_schedule=1:1:0+1:1:0",
                "training.tdsr_schedule=1:1:0+1:1:0.01", "training.lr_drop_at=0", "evaluation.figure_images=1",
                "srgan.schedule=1:1:0+1:1:0.001")) {
            args.add("--set");
            args.add(set);
        }
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void scalesRunAtTheSameTimeGiveTheNumbersOfScalesRunInTurn() throws Exception {
        assertEquals(0, Main.run(tinyStudy(dir.resolve("one"), "[4,8]", "--scale-workers", "1")));
        assertEquals(0, Main.run(tinyStudy(dir.resolve("two"), "[4,8]", "--scale-workers", "2")));
        StudyResults one = StudyResults.read(dir.resolve("one/results.json"));
        StudyResults two = StudyResults.read(dir.resolve("two/results.json"));
        assertEquals(List.of(4, 8), two.scales().stream().map(ScaleResult::scale).toList(), "config order");
        for (int i = 0; i < 2; i++) {
            List<MethodResult> a = one.scales().get(i).methods();
            List<MethodResult> b = two.scales().get(i).methods();
            assertEquals(a.stream().map(MethodResult::method).toList(), b.stream().map(MethodResult::method).toList());
            for (int j = 0; j < a.size(); j++) {
                assertEquals(a.get(j).psnrY(), b.get(j).psnrY(), a.get(j).method() + " PSNR");
                assertEquals(a.get(j).map07(), b.get(j).map07(), a.get(j).method() + " mAP");
            }
        }
        assertEquals(one.metadata().trainingLogs().size(), two.metadata().trainingLogs().size());
    }

    @Test
    void trainRunsTheStudyFromItsConfigAndWritesTheReport() throws Exception {
        Path out = dir.resolve("study");
        dev.tdsr.testing.CliRun.Result run = dev.tdsr.testing.CliRun.run(tinyStudy(out, "[8]"));
        assertEquals(0, run.code(), run.err());
        // where the generated data went (outside --out) is said, with the folder
        assertTrue(run.out().contains("generating the synthetic dataset into " + dir.resolve("data").toAbsolutePath())
                && run.out().contains("beside the study folder, not in it"), run.out());
        assertTrue(run.out().contains("(a smoke run: it shows that every part runs, not the paper's shape)"),
                run.out());
        StudyResults r = StudyResults.read(out.resolve("results.json"));
        assertEquals(1, r.scales().size());
        assertEquals(8, r.scales().get(0).methods().size(), "every row of Table 1 that can exist here");
        MethodResult srgan = r.scales().get(0).get(Method.SRGAN).orElseThrow();
        assertTrue(srgan.psnrY() != null && srgan.psnrY() > 0, srgan.toString());
        assertTrue(Files.isRegularFile(out.resolve("x8/srgan/final/weights.safetensors")));
        List<StepMetrics> gan = MetricsLog.read(out.resolve("x8/srgan/metrics.jsonl")).steps();
        assertTrue(gan.get(gan.size() - 1).adv() != null, "the adversarial stage ran: " + gan);
        for (MethodResult m : r.scales().get(0).methods()) {
            assertTrue(m.map07() != null && m.map07() >= 0 && m.map07() <= 1, m.toString());
        }
        MethodResult tdsr = r.scales().get(0).methods().stream().filter(m -> m.method() == Method.TDSR).findFirst()
                .orElseThrow();
        assertTrue(tdsr.psnrY() != null && tdsr.psnrY() > 0, tdsr.toString());
        assertEquals(1000, tdsr.map07Resamples().size(), "paired bootstrap resamples of the test images");
        ShapeCheck.Check first = ShapeCheck.run(r).get(0);
        if (ShapeCheck.allDetectionZero(r.scales().get(0))) { // 2 detector steps may find nothing at all
            assertEquals(ShapeCheck.Verdict.UNDETERMINED, first.verdict());
        } else {
            assertTrue(first.support() != null, "the shape check says how often it holds");
        }
        assertTrue(Files.readString(out.resolve("report.md")).contains("This is a smoke run (config 'quick')"));
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("TDSR") && md.contains("SR-FT+"), md);
        assertTrue(Files.size(out.resolve("report.html")) > 10_000);
        // the quick study evaluates during training (eval_every): the curves of PSNR and mAP over steps are drawn
        assertTrue(Files.isRegularFile(out.resolve("charts/psnr_x8.png")), "PSNR curves");
        boolean anyMap = MetricsLog.read(out.resolve("x8/tdsr/" + MetricsLog.FILE)).evals().stream()
                .anyMatch(e -> e.map07() > 0);
        assertEquals(anyMap, Files.isRegularFile(out.resolve("charts/map_x8.png")), "mAP curves unless all zero");
        assertTrue(Files.isDirectory(dir.resolve("data")), "the synthetic set is generated beside the study");

        // eval-study scores the finished study's networks again, here on the same test images: the same numbers
        Path data;
        try (var found = Files.list(dir.resolve("data"))) {
            data = found.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        Path json = dir.resolve("again.json");
        assertEquals(0, Main.run(new String[] {"eval-study", "--study", out.toString(), "--data", data.toString(),
                "--images", "2", "--device", "cpu", "--out", json.toString()}));
        var again = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertEquals(8, again.size());
        for (var row : again) {
            MethodResult m = r.scales().get(0).methods().stream()
                    .filter(x -> x.method().label().equals(row.get("method").asText())).findFirst().orElseThrow();
            assertEquals(m.map07(), row.get("map07").asDouble(), 1e-12, row.toString());
            if (m.psnrY() != null) { // SRGAN's generator too: loaded in inference mode both times
                assertEquals(m.psnrY(), row.get("psnr_y").asDouble(), 1e-9, row.toString());
            }
        }
        assertEquals(Method.TDSR.label(), again.get(7).get("method").asText());
    }
}
