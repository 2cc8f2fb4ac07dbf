package dev.tdsr.train;

import static dev.tdsr.testing.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tdsr.data.SyntheticDataset;
import dev.tdsr.testing.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code train} command end to end on a tiny detector run, and its errors before any work. */
class TrainCommandTest {
    @TempDir
    Path tmp;

    @Test
    void missingDataIsAnErrorBeforeAnyWork() {
        Path absent = tmp.resolve("nope");
        CliRun.Result r = run("train", "--mode", "sr", "--data", absent.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.code());
        assertEquals("error: --data " + absent + ": no such file or folder", r.err().strip());
        assertTrue(!Files.exists(tmp.resolve("o")));
    }

    @Test
    void studyIsTheDefaultModeAndNamesABadStudyConfigKey() {
        // (the study itself runs in dev.tdsr.study.TrainingStudyTest; here: the default mode reaches it)
        CliRun.Result r = run("train", "--device", "cpu", "--out", tmp.resolve("s").toString(), "--set", "detector.colour=3");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("colour"), r.err());
        assertTrue(!Files.exists(tmp.resolve("s")), "nothing is written before the config is valid");
    }

    @Test
    void unknownConfigKeyIsNamed() throws IOException {
        Path cfg = tmp.resolve("c.json");
        Files.writeString(cfg, "{\"mode\": \"sr\", \"stpes\": 3}");
        CliRun.Result r = run("train", "--config", cfg.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: " + cfg + ": unknown key 'stpes'; known keys: "), r.err());
    }

    @Test
    void detectorRunThenResumeFromTheCommandLine() throws IOException {
        Path data = tmp.resolve("data");
        new SyntheticDataset(64, 2, 1).write(data, SyntheticDataset.Layout.VOC, 5);
        Path cfg = tmp.resolve("tiny.json");
        Files.writeString(cfg, "{\"ssdInput\": 272, \"ssdWidth\": 0.0625, \"batch\": 2, \"workers\": 0, "
                + "\"checkpointEvery\": 1, \"logEvery\": 1}");
        Path out = tmp.resolve("run");
        CliRun.Result r = run("train", "--config", cfg.toString(), "--mode", "detector", "--data", data.toString(),
                "--steps", "2", "--schedule", "3:0:1", "--no-augment", "--out", out.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("step 2/2 loss "), r.out());
        // numbers for people: a detector run shows no MSE, a few significant digits, a start time in seconds
        String stepLine = r.out().lines().filter(l -> l.startsWith("step 2/2")).findFirst().orElseThrow();
        assertTrue(!stepLine.contains("mse") && stepLine.contains(" loc ") && stepLine.contains(" conf "), stepLine);
        assertTrue(stepLine.matches("step 2/2 loss [0-9.]{1,6} loc [0-9.]{1,6} conf [0-9.]{1,6} lr .*"), stepLine);
        JsonNode info = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("detector", info.get("config").get("mode").asText());
        assertEquals(false, info.get("config").get("augment").asBoolean());
        assertEquals("adam", info.get("config").get("optimizer").asText());
        assertTrue(info.get("device").asText().startsWith("cpu"), info.toString());
        assertTrue(info.get("started").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), info.toString());

        r = run("train", "--resume", "--out", out.toString(), "--lr", "0.1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("only --out, --steps and --device apply, got also: lr"), r.err());
        r = run("train", "--resume", "--out", out.toString(), "--steps", "3", "--device", "cpu");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("resumed from") && r.out().contains("step 3/3"), r.out());
        MetricsLog.Contents lines = MetricsLog.read(out.resolve(MetricsLog.FILE));
        assertEquals(3, lines.steps().size());
        assertEquals(List.of(), lines.evals());
        assertTrue(Files.isRegularFile(out.resolve("final/model.json")));

        // The model folder knows its classes and input transform; detect uses the names without --classes.
        JsonNode model = new ObjectMapper().readTree(out.resolve("final/model.json").toFile());
        List<String> names = new java.util.ArrayList<>();
        model.get("classNames").forEach(n -> names.add(n.asText()));
        assertEquals(SyntheticDataset.classList(2).names(), names, model.toString());
        assertEquals(272, model.get("input").get("size").asInt(), model.toString());
        assertEquals("RGB", model.get("input").get("channels").asText(), model.toString());
        Path img = tmp.resolve("img.png");
        javax.imageio.ImageIO.write(dev.tdsr.api.TinyModels.rgb(80, 60, 3), "png", img.toFile());
        Path dets = tmp.resolve("dets.json");
        r = run("detect", "--weights", out.resolve("final").toString(), "--input", img.toString(), "--output",
                dets.toString(), "--score-threshold", "0", "--device", "cpu");
        assertEquals(0, r.code(), r.err() + r.out());
        JsonNode d = new ObjectMapper().readTree(dets.toFile());
        assertTrue(d.size() > 0, d.toString());
        assertTrue(names.contains(d.get(0).get("category").asText()), d.toString());
    }

    @Test
    void periodicEvaluationLogsPsnrAndMapAndDrawsTheCurves() throws IOException {
        Path data = tmp.resolve("data");
        new SyntheticDataset(64, 2, 1).write(data, SyntheticDataset.Layout.VOC, 10); // 2 test images
        Path cfg = tmp.resolve("tiny.json");
        Files.writeString(cfg, "{\"ssdInput\": 272, \"ssdWidth\": 0.0625, \"batch\": 2, \"workers\": 0, "
                + "\"dbpnBase\": 4, \"dbpnFeat\": 8, \"dbpnStages\": 2, \"logEvery\": 1}");
        Path sr = tmp.resolve("sr");
        CliRun.Result r = run("train", "--config", cfg.toString(), "--mode", "sr", "--data", data.toString(),
                "--steps", "4", "--scale", "4", "--eval-every", "2", "--out", sr.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err() + r.out());
        List<MetricsLog.EvalPoint> evals = MetricsLog.read(sr.resolve(MetricsLog.FILE)).evals();
        assertEquals(List.of(2L, 4L), evals.stream().map(MetricsLog.EvalPoint::step).toList());
        double psnr = evals.get(1).psnrY();
        assertTrue(psnr > 3 && psnr < 60, "PSNR-Y of an S after 4 steps: " + psnr);
        assertTrue(!evals.get(1).values().containsKey(MetricsLog.MAP07), "no detector in sr mode");
        String evalLine = r.out().lines().filter(l -> l.startsWith("eval step 4: ")).findFirst().orElseThrow();
        assertTrue(evalLine.matches("eval step 4: psnr_y \\d+\\.\\d\\d dB, psnr_rgb \\d+\\.\\d\\d dB.*"), evalLine);
        String srStep = r.out().lines().filter(l -> l.startsWith("step 4/4")).findFirst().orElseThrow();
        assertTrue(srStep.contains(" mse ") && !srStep.contains(" loc ") && !srStep.contains(" conf "), srStep);
        assertTrue(Files.size(sr.resolve("charts/loss.png")) > 1000 && Files.size(sr.resolve("charts/psnr.png")) > 1000);

        Path det = tmp.resolve("det");
        r = run("train", "--config", cfg.toString(), "--mode", "detector", "--data", data.toString(), "--steps", "1",
                "--eval-every", "1", "--eval-images", "1", "--out", det.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err() + r.out());
        MetricsLog.EvalPoint e = MetricsLog.read(det.resolve(MetricsLog.FILE)).evals().get(0);
        assertTrue(e.map07() >= 0 && e.map07() <= 1 && e.values().containsKey(MetricsLog.COCO_AP), e.toString());
        assertTrue(Files.isRegularFile(det.resolve("charts/map.png")));

        r = run("train", "--config", cfg.toString(), "--mode", "sr", "--data", data.toString(), "--steps", "1",
                "--eval-every", "1", "--eval-split", "nosuch", "--out", tmp.resolve("bad").toString(), "--device", "cpu");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("split 'nosuch'"), r.err());
    }

    @Test
    void sizePresetsPickTheNetworksOfASingleRun() throws IOException {
        Path data = tmp.resolve("size-data");
        new SyntheticDataset(64, 2, 1).write(data, SyntheticDataset.Layout.VOC, 4);
        Path out = tmp.resolve("size-run");
        CliRun.Result r = run("train", "--mode", "sr", "--size", "small", "--data", data.toString(), "--steps", "1",
                "--batch", "1", "--workers", "0", "--out", out.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err() + r.out());
        JsonNode c = new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("config");
        assertEquals(8, c.get("dbpnBase").asInt(), c.toString());
        assertEquals(32, c.get("dbpnFeat").asInt(), c.toString());
        assertEquals(2, c.get("dbpnStages").asInt(), c.toString());
        assertTrue(c.get("dbpnResidual").asBoolean(), c.toString());
        assertEquals(0.125, c.get("ssdWidth").asDouble(), c.toString());

        r = run("train", "--mode", "sr", "--size", "huge", "--data", data.toString(), "--device", "cpu");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--size: expected small or full, got 'huge'"), r.err());
        r = run("train", "--size", "small", "--device", "cpu", "--out", tmp.resolve("study").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--size applies to single runs"), r.err());
        r = run("train", "--help");
        assertTrue(r.out().contains("--size") && r.out().contains("dbpnBase"), r.out());
    }
}
