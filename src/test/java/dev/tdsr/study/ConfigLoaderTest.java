package dev.tdsr.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.report.Method;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path tmp;

    @Test
    void defaultIsSmallSyntheticAtFourAndEight() throws IOException {
        StudyConfig c = ConfigLoader.defaults();
        assertEquals(List.of(4, 8), c.scales());
        // every row but SR4IR's, which live in their own built-in study (configs/sr4ir.json): the default is at its budget
        assertEquals(java.util.Arrays.stream(Method.values()).filter(m -> !StudyConfig.isSr4ir(m)).toList(),
                c.methods());
        assertEquals("synthetic", c.dataset().kind());
        assertNull(c.detector().weights());
        assertTrue(c.sr().base() < 64 && c.sr().stages() < 7, "small DBPN on CPU");
        assertTrue(c.detector().width() < 1, "width-reduced SSD on CPU");
        assertEquals(List.of(), ConfigLoader.placeholders(c));
    }

    @Test
    void sr4irStudyComparesSr4irWithTdsrOnTdsrsSchedule() throws IOException {
        StudyConfig c = ConfigLoader.builtin("sr4ir");
        assertEquals(List.of(4), c.scales());
        assertTrue(c.methods().containsAll(List.of(Method.TDSR, Method.SR4IR, Method.SR4IR_TDP, Method.SR4IR_MIX,
                Method.SR4IR_ALT, Method.SR_FT)), c.methods().toString());
        assertTrue(c.sr4ir().taskLr() > 0, "SR4IR-Alt's detector lr");
        assertEquals(ConfigLoader.defaults().detector(), c.detector(), "the default study's detector, reusable");
        for (Method m : List.of(Method.SR4IR, Method.SR4IR_TDP, Method.SR4IR_MIX, Method.SR4IR_ALT)) {
            assertEquals(c.training().schedule(Method.TDSR), c.training().schedule(m), "same budget as TDSR");
        }
        assertEquals(0, c.sr4ir().patchMixGrid(Method.SR4IR_TDP));
        assertEquals(0, c.sr4ir().perceptualWeight(Method.SR4IR_MIX));
        assertTrue(c.sr4ir().perceptualWeight(Method.SR4IR) > 0 && c.sr4ir().patchMixGrid(Method.SR4IR) > 0);
        assertEquals(List.of(), ConfigLoader.placeholders(c));
    }

    @Test
    void anSr4irRowWithoutItsBlockIsRefusedNamingTheBlock() throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode tree;
        try (var in = ConfigLoader.class.getResourceAsStream("/configs/sr4ir.json")) {
            tree = (com.fasterxml.jackson.databind.node.ObjectNode) ConfigLoader.JSON.readTree(in);
        }
        tree.remove("sr4ir");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.parse(tree, "test.json"));
        assertTrue(e.getMessage().contains("sr4ir: missing") && e.getMessage().contains("patch_mix_grid"),
                e.getMessage());
    }

    @Test
    void paperConfigsCarryThePaperSettings() throws IOException {
        for (String name : List.of("voc0712", "coco")) {
            StudyConfig c = ConfigLoader.builtin(name);
            StudyConfig.Training t = c.training();
            assertEquals(6, t.batchSize());
            assertEquals(1e-4, t.lr());
            assertEquals(200_000, t.lrDropAt());
            assertEquals(0.1, t.lrDropFactor());
            assertEquals("100k:1:0", t.schedule(Method.SR_FT));
            assertEquals("100k:1:0+200k:1:0", t.schedule(Method.SR_FT_PLUS));
            assertEquals("100k:1:0+200k:1:0.01", t.schedule(Method.TDSR));
            assertEquals(64, c.sr().base());
            assertEquals(256, c.sr().feat());
            assertEquals(7, c.sr().stages());
            assertEquals(1.0, c.detector().width());
            assertEquals(300, c.detector().inputSize());
            assertEquals(List.of("dataset.train_root", "dataset.test_root", "detector.weights", "sr.weights.4",
                    "sr.weights.8"), ConfigLoader.placeholders(c).stream().sorted(
                            java.util.Comparator.comparing(List.of("dataset.train_root", "dataset.test_root",
                                    "detector.weights", "sr.weights.4", "sr.weights.8")::indexOf)).toList());
        }
        assertEquals(21, ConfigLoader.builtin("voc0712").detector().numClasses());
        assertEquals(81, ConfigLoader.builtin("coco").detector().numClasses());
    }

    @Test
    void placeholdersBlockARunAndOverridesFillThem() throws IOException {
        StudyConfig c = ConfigLoader.builtin("voc0712");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.requireNoPlaceholders(c));
        assertTrue(e.getMessage().contains("dataset.train_root") && e.getMessage().contains("sr.weights.8"),
                e.getMessage());
        StudyConfig filled = ConfigLoader.resolve("voc0712", List.of("dataset.train_root=/data/VOCdevkit",
                "dataset.test_root=/data/VOCdevkit", "detector.weights=/w/ssd.pth", "sr.weights.4=/w/x4.pth",
                "sr.weights.8=/w/x8.pth", "scales=[8]"));
        ConfigLoader.requireNoPlaceholders(filled);
        assertEquals("/data/VOCdevkit", filled.dataset().trainRoot());
        assertEquals(List.of(8), filled.scales());
    }

    @Test
    void unknownKeyIsNamed() throws IOException {
        Path f = tmp.resolve("my.json");
        String text = ConfigLoader.toJson(ConfigLoader.defaults()).replace("\"train_root\"", "\"trian_root\"");
        Files.writeString(f, text);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load(f, List.of()));
        assertTrue(e.getMessage().startsWith(f + ": unknown key 'dataset.trian_root'"), e.getMessage());
        IllegalArgumentException o = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.resolve("default", List.of("training.tdsr_scheduel=1:1:0")));
        assertTrue(o.getMessage().contains("unknown key 'training.tdsr_scheduel'"), o.getMessage());
    }

    @Test
    void badValuesNameTheField() throws IOException {
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.resolve("default", List.of("training.tdsr_schedule=100k:1")));
        assertTrue(s.getMessage().startsWith("configs/default.json: training.tdsr_schedule: expected a schedule"),
                s.getMessage());
        IllegalArgumentException sc = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.resolve("default", List.of("scales=[3]")));
        assertTrue(sc.getMessage().contains("scales: expected"), sc.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.resolve("default", List.of("methods=[\"HR\",\"ESRGAN\"]")));
        assertTrue(m.getMessage().contains("methods[1]") || m.getMessage().contains("ESRGAN"), m.getMessage());
        // the SRGAN row needs its block; a config without the row may leave the block out
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.resolve("default", List.of("srgan=null")));
        assertTrue(g.getMessage().contains("srgan: missing"), g.getMessage());
        assertEquals(null, ConfigLoader.resolve("default", List.of("srgan=null", "methods=[\"HR\",\"TDSR\"]"))
                .srgan());
        IllegalArgumentException crop = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.resolve("default", List.of("srgan.disc_crop=40")));
        assertTrue(crop.getMessage().contains("srgan.disc_crop"), crop.getMessage());
        Path f = tmp.resolve("missing.json");
        Files.writeString(f, ConfigLoader.toJson(ConfigLoader.defaults()).replace("\"seed\" : 1,", ""));
        IllegalArgumentException miss = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load(f, List.of()));
        assertEquals(f + ": missing key 'seed' (every key is required; write null for an unused path)",
                miss.getMessage());
    }

    @Test
    void configRoundTripsThroughJson() throws IOException {
        StudyConfig c = ConfigLoader.builtin("coco");
        Path f = tmp.resolve("c.json");
        Files.writeString(f, ConfigLoader.toJson(c));
        assertEquals(c, ConfigLoader.load(f, List.of()));
    }
}
