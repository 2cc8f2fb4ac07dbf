package dev.tdsr.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tdsr.testing.TestBackends;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentationStudyTest {
    @TempDir
    Path tmp;

    private static final List<String> TINY = List.of("dataset.images=10", "dataset.size=32",
            "segmenter.width=4", "segmenter.iterations=6", "segmenter.batch=2",
            "sr.base=4", "sr.feat=8", "sr.stages=2", "sr.pretrain_iterations=3", "sr.batch=2",
            "finetune.iterations=3", "finetune.batch=2", "finetune.lr=0.01", "finetune.beta=1");

    @Test
    void shippedConfigParsesAndIsRecognised() throws IOException {
        SegmentationStudyConfig c = SegmentationStudyConfig.resolve("segmentation", List.of());
        assertEquals(4, c.scale());
        assertEquals(0, c.dataset().size() % 4);
        assertTrue(SegmentationStudyConfig.names("segmentation"));
        assertFalse(SegmentationStudyConfig.names("default"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SegmentationStudyConfig.resolve("segmentation", List.of("dataset.size=90")));
        assertTrue(e.getMessage().startsWith("configs/segmentation.json: dataset."), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SegmentationStudyConfig.resolve("segmentation", List.of("finetune.gamma=1")));
        assertTrue(e.getMessage().contains("unknown key 'finetune.gamma'"), e.getMessage());
    }

    /** The whole study on a tiny config: every row scored, the files written, the same figures twice (CPU). */
    @Test
    void withoutTheSr4irBlockThereIsNoSr4irRow() throws IOException {
        Path dir = tmp.resolve("c").resolve("study");
        List<String> o = new java.util.ArrayList<>(TINY);
        o.add("sr4ir=null");
        StringWriter log = new StringWriter();
        assertEquals(0, StudyRunner.run(new StudyRunner.Request("segmentation", o, dir), TestBackends.cpu(),
                new PrintWriter(log, true)));
        JsonNode r = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertEquals(6, r.get("rows").size());
        assertFalse(r.has("sr4ir_over_tdsr"));
    }

    @Test
    void tinyStudyRunsEveryRowAndRepeats() throws IOException {
        JsonNode first = runTiny(tmp.resolve("a").resolve("study"));
        JsonNode rows = first.get("rows");
        assertEquals(List.of("HR", "LR", "Bicubic", "SR", "SR-FT", "TDSR", "SR4IR"),
                java.util.stream.StreamSupport.stream(rows.spliterator(), false).map(r -> r.get("method").asText())
                        .toList());
        for (JsonNode r : rows) {
            double miou = r.get("miou").asDouble();
            assertTrue(miou >= 0 && miou <= 1, r.toString());
            assertEquals(7, r.get("class_iou").size());
        }
        assertTrue(rows.get(0).get("psnr_y").isNull());
        assertTrue(rows.get(2).get("psnr_y").asDouble() > 10);
        String md = Files.readString(tmp.resolve("a").resolve("study").resolve("report.md"));
        assertTrue(md.contains("| TDSR |") && md.contains("| SR4IR |") && md.contains("**Verdict:**"), md);
        assertTrue(first.get("sr4ir_over_tdsr").isNumber());
        // SR-FT, TDSR and SR4IR start from SR and draw the same batches: they differ only by their objectives
        assertTrue(rows.get(4).get("psnr_y").asDouble() != rows.get(5).get("psnr_y").asDouble());
        assertTrue(rows.get(5).get("psnr_y").asDouble() != rows.get(6).get("psnr_y").asDouble());
        assertTrue(Files.readString(tmp.resolve("a").resolve("study").resolve("report.html")).contains("<table>"));
        assertTrue(Files.isRegularFile(tmp.resolve("a").resolve("study").resolve("fcn").resolve("model.json")));
        JsonNode second = runTiny(tmp.resolve("b").resolve("study"));
        assertEquals(first.get("rows"), second.get("rows"));
    }

    @Test
    void tiesCountHalfSoEqualRowsAreUndetermined() {
        assertEquals(0.5, SegmentationStudy.share(new double[] {1, 2}, new double[] {1, 2}));
        assertEquals(0.75, SegmentationStudy.share(new double[] {1, 3}, new double[] {1, 2}));
    }

    private JsonNode runTiny(Path dir) throws IOException {
        StringWriter log = new StringWriter();
        int rc = StudyRunner.run(new StudyRunner.Request("segmentation", TINY, dir), TestBackends.cpu(),
                new PrintWriter(log, true));
        assertEquals(0, rc, log.toString());
        assertTrue(log.toString().contains("verdict: "), log.toString());
        return new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    }
}
