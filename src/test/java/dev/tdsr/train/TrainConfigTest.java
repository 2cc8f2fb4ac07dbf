package dev.tdsr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {
    @TempDir
    Path tmp;

    private TrainConfig file(String json) throws IOException {
        Path f = tmp.resolve("c.json");
        Files.writeString(f, json);
        return TrainConfig.load(f);
    }

    @Test
    void unknownKeyIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> file("{\"mode\": \"sr\", \"learningRate\": 0.1}"));
        assertTrue(e.getMessage().startsWith(tmp.resolve("c.json")
                + ": unknown key 'learningRate'; known keys: mode, "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> file("{\"batch\": \"six\"}"));
        assertTrue(e.getMessage().contains("key 'batch' has the wrong type"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> file("[1]"));
        assertTrue(e.getMessage().endsWith("expected a JSON object {\"key\": value, ...}"), e.getMessage());
    }

    @Test
    void optionsOverrideTheFileWhichOverridesTheModeDefaults() throws IOException {
        TrainConfig f = file("{\"mode\": \"tdsr\", \"data\": \"d\", \"detector\": \"det\", \"batch\": 4, "
                + "\"lr\": 0.5}");
        TrainConfig cli = TrainConfig.fromJson(TrainConfig.JSON.createObjectNode().put("lr", 0.25), "cli");
        TrainConfig r = f.with(cli).resolve();
        assertEquals(4, r.batch());
        assertEquals(0.25, r.lr());
        assertEquals("1k:1:0+2k:1:0.01", r.schedule());
        assertEquals(3000, r.steps());
        assertEquals(List.of(2000L), r.lrDecayAt()); // the paper's 200k of 300k, scaled
        assertEquals("adam", r.optimizer());
        assertEquals(r, TrainConfig.fromJson(r.toJson(), "round trip"));
    }

    @Test
    void detectorDefaultsAreTheScaledSsdSchedule() {
        TrainConfig r = TrainConfig.fromJson(TrainConfig.JSON.createObjectNode().put("mode", "detector")
                .put("data", "d").put("steps", 1200), "t").resolve();
        assertEquals("adam", r.optimizer());
        assertEquals(1e-4, r.lr());
        assertEquals(0, r.weightDecay());
        assertEquals(List.of(800L, 1000L), r.lrDecayAt());
        assertEquals(List.of(3L), TrainConfig.fromJson(TrainConfig.JSON.createObjectNode().put("mode", "detector")
                .put("data", "d").put("steps", 4), "t").resolve().lrDecayAt()); // 2/3 and 5/6 of 4 both round to 3
        TrainConfig sgd = TrainConfig.fromJson(TrainConfig.JSON.createObjectNode().put("mode", "detector")
                .put("data", "d").put("optimizer", "sgd").put("lr", 1e-3), "t").resolve();
        assertEquals(5e-4, sgd.weightDecay());
        assertEquals(300, TrainConfig.fromJson(TrainConfig.JSON.createObjectNode().put("mode", "detector")
                .put("data", "d").put("scale", 8), "t").resolve().ssdInput()); // S gives 304, cropped to 300
    }

    @Test
    void modeRequirementsAreChecked() {
        assertEquals("mode tdsr needs a frozen detector: --detector DIR (a model folder; train one with --mode "
                + "detector)", resolveError("{\"mode\": \"tdsr\", \"data\": \"d\"}"));
        assertTrue(resolveError("{\"mode\": \"sr\", \"data\": \"d\", \"schedule\": \"5:1:0.1\"}")
                .contains("has beta > 0, which needs the detector"));
        assertEquals("mode sr needs --data DIR (a VOC or COCO layout folder)", resolveError("{\"mode\": \"sr\"}"));
        assertTrue(resolveError("{\"mode\": \"sr\", \"data\": \"d\", \"degradation\": \"jpeg\"}")
                .startsWith("degradation: expected bicubic, blur or noise"));
        assertTrue(resolveError("{\"mode\": \"train\"}").startsWith("mode: expected detector, sr, tdsr, srgan or "
                + "study"));
        // srgan: the default schedule has an adversarial stage, whose content loss needs the detector
        assertTrue(resolveError("{\"mode\": \"srgan\", \"data\": \"d\"}").contains("--detector DIR"));
        assertTrue(resolveError("{\"mode\": \"srgan\", \"data\": \"d\", \"schedule\": \"5:1:0\", \"discCrop\": 40}")
                .startsWith("DiscriminatorConfig.crop: expected a multiple of 16"));
    }

    private String resolveError(String json) {
        return assertThrows(IllegalArgumentException.class, () -> file(json).resolve()).getMessage();
    }
}
