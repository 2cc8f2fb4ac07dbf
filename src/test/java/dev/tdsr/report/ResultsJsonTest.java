package dev.tdsr.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tdsr.eval.CocoEvaluator;
import dev.tdsr.eval.VocEvaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsJsonTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripKeepsEverything() throws IOException {
        StudyResults r = PaperNumbers.table1(37.5);
        Path f = tmp.resolve("results.json");
        r.write(f);
        assertEquals(r, StudyResults.read(f));
    }

    @Test
    void keysAreTheDocumentedOnes() throws IOException {
        Path f = tmp.resolve("results.json");
        PaperNumbers.table1(37.5).write(f);
        JsonNode root = new ObjectMapper().readTree(f.toFile());
        JsonNode tdsr = root.at("/scales/0/methods/6");
        assertEquals("TDSR", tdsr.get("method").asText());
        assertEquals(0.622, tdsr.get("map07").asDouble(), 1e-12);
        assertEquals(0.642, tdsr.get("map").asDouble(), 1e-12);
        assertEquals(24.06, tdsr.get("psnr_y").asDouble(), 1e-12);
        assertEquals(22.56, tdsr.get("psnr_rgb").asDouble(), 1e-12);
        assertTrue(tdsr.get("ssim").isNull());
        assertEquals(0.706, tdsr.at("/per_class/aeroplane/ap07").asDouble(), 1e-12);
        assertEquals(0.302, tdsr.at("/coco/AP50").asDouble(), 1e-12);
        assertEquals(List.of("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"),
                iterate(tdsr.get("coco")));
        assertEquals(12.0, tdsr.get("wall_seconds").asDouble());
        assertEquals("x4/tdsr/metrics.jsonl", root.at("/metadata/training_logs/0/metrics_jsonl").asText());
        assertEquals(3725.0, root.at("/metadata/total_wall_seconds").asDouble());
        assertEquals("detector/metrics.jsonl", root.at("/metadata/detector_log").asText());
        assertEquals(4, root.at("/scales/0/scale").asInt());
    }

    @Test
    void undefinedNumbersAreStoredAsNull() throws IOException {
        MethodResult m = new MethodResult(Method.LR, Double.NaN, null, null, 0.4, Double.NaN,
                Map.of("cat", new ClassAp(0.0, Double.NaN)), null, 1);
        StudyResults r = new StudyResults(PaperNumbers.metadata(), List.of(new ScaleResult(4, List.of(m))));
        Path f = tmp.resolve("results.json");
        r.write(f);
        String text = Files.readString(f);
        assertTrue(!text.contains("NaN"), text);
        MethodResult back = StudyResults.read(f).scales().get(0).methods().get(0);
        assertNull(back.psnrY());
        assertNull(back.map());
        assertNull(back.perClass().get("cat").ap());
        assertEquals(0.0, back.perClass().get("cat").ap07());
    }

    @Test
    void unknownKeyInResultsNamesIt() throws IOException {
        Path f = tmp.resolve("results.json");
        PaperNumbers.table1(37.5).write(f);
        Files.writeString(f, Files.readString(f).replaceFirst("\"psnr_y\"", "\"psnr_why\""));
        IOException e = assertThrows(IOException.class, () -> StudyResults.read(f));
        assertTrue(e.getMessage().contains("psnr_why") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void rowFromTheEvaluatorsResults() {
        VocEvaluator.Result voc = new VocEvaluator.Result(List.of(
                new VocEvaluator.ClassResult("cat", 3, 5, 0.5, 0.55),
                new VocEvaluator.ClassResult("dog", 0, 2, Double.NaN, Double.NaN)), 0.5, 0.55);
        CocoEvaluator.Result coco = new CocoEvaluator.Result(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, -1, 0.11,
                0.12);
        MethodResult m = MethodResult.of(Method.TDSR, 24.0, 23.0, null, voc, coco);
        assertEquals(List.of("cat", "dog"), List.copyOf(m.perClass().keySet()));
        assertEquals(new ClassAp(0.5, 0.55), m.perClass().get("cat"));
        assertEquals(new ClassAp(null, null), m.perClass().get("dog"));
        assertEquals(0.5, m.map07());
        assertEquals(0.55, m.map());
        assertEquals(-1, m.coco().arSmall());
        assertEquals(0.12, m.coco().arLarge());
        assertEquals(0.5, m.detectionScore(), "VOC mAP first when present");
        assertEquals(0.1, MethodResult.of(Method.TDSR, null, null, null, null, coco).detectionScore());
    }

    private static List<String> iterate(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
