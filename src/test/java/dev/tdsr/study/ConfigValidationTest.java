package dev.tdsr.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.testing.CliRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 #5: every study key is checked for type and range before any work, values that contradict each other are
 * errors, and options the chosen mode would ignore are refused.
 */
class ConfigValidationTest {
    @TempDir
    Path tmp;

    private static String refused(String... overrides) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.resolve("quick", List.of(overrides)), String.join(" ", overrides));
        return e.getMessage();
    }

    @Test
    void theIssuesValuesAreRefusedNamingTheKey() {
        String m = refused("detector.num_classes=3");
        assertTrue(m.contains("detector.num_classes: 3 contradicts dataset.synthetic_classes 6"), m);
        m = refused("device=tpu");
        assertTrue(m.contains("device: expected \"auto\", \"cpu\", \"cuda\" or \"cuda:N\", got \"tpu\""), m);
        m = refused("sr.base=8.5");
        assertTrue(m.contains("'sr.base'") && m.contains("8.5"), m);
        m = refused("training.adam_beta1=5");
        assertTrue(m.contains("training.adam_beta1: expected a value in [0, 1), got 5.0"), m);
        m = refused("training.adam_beta2=1");
        assertTrue(m.contains("training.adam_beta2"), m);
        m = refused("scales=[4,4]");
        assertTrue(m.contains("scales: expected each scale once, got [4, 4]"), m);
    }

    @Test
    void otherRangesAreChecked() {
        assertTrue(refused("training.adam_eps=0").contains("training.adam_eps"));
        assertTrue(refused("training.lr_drop_factor=-1").contains("training.lr_drop_factor"));
        assertTrue(refused("detector.train_lr=0").contains("detector.train_lr"));
        assertTrue(refused("evaluation.figure_min_score=2").contains("evaluation.figure_min_score"));
        assertTrue(refused("dataset.synthetic_images=12.5").contains("dataset.synthetic_images"));
        assertTrue(refused("sr.weights={\"x4\": \"/w.pth\"}").contains("sr.weights: keys are the scales"));
        assertEquals("cuda:1", assertDoesNotThrow("device=cuda:1").device());
    }

    private static StudyConfig assertDoesNotThrow(String override) {
        try {
            return ConfigLoader.resolve("quick", List.of(override));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void numClassesIsCheckedAgainstTheTrainingDataBeforeTheDetectorIsTrained() throws Exception {
        Path data = tmp.resolve("voc");
        new dev.tdsr.data.SyntheticDataset(64, 2, 1).write(data, dev.tdsr.data.SyntheticDataset.Layout.VOC, 5);
        StudyConfig c = ConfigLoader.resolve("quick", List.of("dataset.kind=voc", "dataset.train_root=" + data,
                "dataset.test_root=" + data, "dataset.train_split=trainval", "dataset.test_split=trainval"));
        TrainingStudySteps steps = new TrainingStudySteps(CpuBackend.get(), new PrintWriter(new StringWriter()),
                tmp.resolve("gen"));
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> steps.prepareDetector(c, tmp.resolve("det")));
            assertTrue(e.getMessage().startsWith("detector.num_classes: 7, but the training data " + data
                    + " has 2 classes"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("det")));
        } finally {
            steps.close();
        }
    }

    @Test
    void givenSrWeightsAreUsedUnderTheirDocumentedScaleKey() throws Exception {
        StudyConfig c = ConfigLoader.resolve("quick", List.of("sr.weights={\"4\": \"/w/x4\"}"));
        TrainingStudySteps steps = new TrainingStudySteps(CpuBackend.get(), new PrintWriter(new StringWriter()),
                tmp.resolve("gen"));
        try {
            assertEquals(Path.of("/w/x4"), steps.pretrainSr(c, 4, tmp.resolve("sr")).modelDir());
        } finally {
            steps.close();
        }
        assertFalse(Files.exists(tmp.resolve("sr")), "nothing trained");
    }

    @Test
    void optionsTheModeIgnoresAreRefused() {
        Path out = tmp.resolve("o");
        CliRun.Result r = CliRun.run("train", "--mode", "sr", "--data", tmp.toString(), "--set", "seed=2", "--out",
                out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: --set: study options, not used by --mode sr"), r.err());
        r = CliRun.run("train", "--mode", "sr", "--data", tmp.toString(), "--quick", "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: --quick: study options"), r.err());
        r = CliRun.run("train", "--mode", "tdsr", "--data", tmp.toString(), "--study", "voc0712", "--scale-workers",
                "2", "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: --study, --scale-workers: study options"), r.err());
        r = CliRun.run("train", "--quick", "--seed", "2", "--lr", "0.1", "--out", out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: --seed, --lr: not used by the study"), r.err());
        assertFalse(Files.exists(out));
    }
}
