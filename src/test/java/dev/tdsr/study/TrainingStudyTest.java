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

    /**
     * SR4IR's alternating row: its run trains the detector too and saves it beside S (final/task-network), which the
     * study scores the row with; the frozen rows keep the study's detector.
     */
    @Test
    void theAlternatingSr4irRowTrainsAndIsScoredWithItsOwnDetector() throws Exception {
        Path out = dir.resolve("alt");
        List<String> args = new java.util.ArrayList<>(List.of(tinyStudy(out, "[4]", "--set",
                "methods=[\"HR\",\"SR-FT\",\"SR4IR\",\"SR4IR-Alt\"]", "--set", "sr4ir.task_lr=0.001")));
        args.set(args.indexOf("--quick"), "--study");
        args.add(2, "sr4ir");
        int g = args.indexOf("srgan.schedule=1:1:0+1:1:0.001"); // the sr4ir study has no SRGAN row
        args.remove(g);
        args.remove(g - 1);
        assertEquals(0, Main.run(args.toArray(String[]::new)));
        StudyResults r = StudyResults.read(out.resolve("results.json"));
        assertEquals(List.of(Method.HR, Method.SR_FT, Method.SR4IR, Method.SR4IR_ALT),
                r.scales().get(0).methods().stream().map(MethodResult::method).toList());
        Path own = out.resolve("x4/sr4ir-alt/final").resolve(dev.tdsr.train.Trainer.TASK_NETWORK);
        assertTrue(Files.isRegularFile(own.resolve("weights.safetensors")), "the trained detector beside S");
        assertTrue(!Files.exists(out.resolve("x4/sr4ir/final").resolve(dev.tdsr.train.Trainer.TASK_NETWORK)));
        try (var a = dev.tdsr.models.ModelFiles.loadSsd(own, dev.tdsr.engine.CpuBackend.get(), null);
             var b = dev.tdsr.models.ModelFiles.loadSsd(out.resolve("detector/final"), dev.tdsr.engine.CpuBackend.get(),
                     null)) {
            assertTrue(!java.util.Arrays.equals(a.parameters().slab().toFloatArray(),
                    b.parameters().slab().toFloatArray()), "SR4IR-Alt's detector was updated");
        }
    }

    /**
     * Issue 21: a study on paired data ({@code dataset.lr_dir}) trains S and scores the LR, Bicubic and SR rows on the
     * LR files; with pairs written by {@code generate-dataset --write-lr} and no augmentation (the quick study's
     * setting) every number equals the study that degrades on the fly.
     */
    @Test
    void aStudyOnWrittenPairsGivesTheNumbersOfOnTheFlyDegradation() throws Exception {
        Path data = dir.resolve("pairs");
        assertEquals(0, Main.run("generate-dataset", "--images", "10", "--size", "300", "--classes", "6", "--seed",
                "2", "--write-lr", "8", "--out", data.toString()));
        String[] voc = {"--set", "dataset.kind=voc", "--set", "dataset.train_root=" + data, "--set",
            "dataset.test_root=" + data};
        assertEquals(0, Main.run(tinyStudy(dir.resolve("fly"), "[8]", voc)));
        List<String> paired = new java.util.ArrayList<>(List.of(voc));
        paired.addAll(List.of("--set", "dataset.lr_dir=" + data.resolve("LR")));
        assertEquals(0, Main.run(tinyStudy(dir.resolve("files"), "[8]", paired.toArray(String[]::new))));
        List<MethodResult> fly = StudyResults.read(dir.resolve("fly/results.json")).scales().get(0).methods();
        List<MethodResult> files = StudyResults.read(dir.resolve("files/results.json")).scales().get(0).methods();
        assertEquals(8, files.size()); // HR, LR, Bicubic, SRGAN, SR, SR-FT, SR-FT+, TDSR
        for (int j = 0; j < fly.size(); j++) {
            assertEquals(fly.get(j).psnrY(), files.get(j).psnrY(), fly.get(j).method() + " PSNR");
            assertEquals(fly.get(j).map07(), files.get(j).map07(), fly.get(j).method() + " mAP");
        }
        assertTrue(Files.readString(dir.resolve("files/x8/tdsr/config.json")).contains("\"lrDir\""));
        assertTrue(Files.readString(dir.resolve("files/x8/srgan/config.json")).contains("\"lrDir\""));
        // a study whose LR folder lacks a scale stops before training anything
        dev.tdsr.testing.CliRun.Result noX4 = dev.tdsr.testing.CliRun.run(tinyStudy(dir.resolve("nox4"), "[4]",
                paired.toArray(String[]::new)));
        assertEquals(2, noX4.code());
        assertTrue(noX4.err().contains("dataset.lr_dir " + data.resolve("LR") + ": no folder x4 in it"), noX4.err());
        assertTrue(!Files.exists(dir.resolve("nox4/detector/final")));
        // eval-study reads the pairs too: the same numbers as on the fly
        dev.tdsr.testing.CliRun.Result evalFly = dev.tdsr.testing.CliRun.run("eval-study", "--study",
                dir.resolve("files").toString(), "--data", data.toString(), "--seed", "1");
        dev.tdsr.testing.CliRun.Result evalFiles = dev.tdsr.testing.CliRun.run("eval-study", "--study",
                dir.resolve("files").toString(), "--data", data.toString(), "--seed", "1", "--lr-dir",
                data.resolve("LR").toString());
        assertEquals(0, evalFiles.code(), evalFiles.err());
        assertEquals(evalFly.out(), evalFiles.out());
        // and it really reads them: black LR files of the right size lower Bicubic's PSNR
        Path black = dir.resolve("black");
        Files.createDirectories(black.resolve("x8"));
        try (var lr = Files.list(data.resolve("LR/x8"))) {
            for (Path f : lr.toList()) {
                dev.tdsr.data.Image.blank(38, 38).write(black.resolve("x8").resolve(f.getFileName()));
            }
        }
        Path flyJson = dir.resolve("fly.json");
        Path blackJson = dir.resolve("black.json");
        assertEquals(0, Main.run("eval-study", "--study", dir.resolve("files").toString(), "--data", data.toString(),
                "--out", flyJson.toString()));
        assertEquals(0, Main.run("eval-study", "--study", dir.resolve("files").toString(), "--data", data.toString(),
                "--lr-dir", black.toString(), "--out", blackJson.toString()));
        double flyPsnr = bicubicPsnr(flyJson);
        double blackPsnr = bicubicPsnr(blackJson);
        assertTrue(blackPsnr < flyPsnr - 3, "Bicubic on black LR files: " + blackPsnr + " dB, on the fly: " + flyPsnr);
    }

    private static double bicubicPsnr(Path evalJson) throws java.io.IOException {
        for (var row : new com.fasterxml.jackson.databind.ObjectMapper().readTree(evalJson.toFile())) {
            if (row.get("method").asText().equals("Bicubic")) {
                return row.get("psnr_y").asDouble();
            }
        }
        throw new AssertionError(evalJson + ": no Bicubic row");
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
