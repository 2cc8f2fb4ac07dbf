package dev.tdsr.eval;

import static dev.tdsr.testing.CliRun.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.testing.CliRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tdsr.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file readers and {@code eval-detections} end to end on tiny hand-made datasets. */
class EvalDetectionsCliTest {
    @TempDir
    Path dir;

    private static String object(String name, int x1, int y1, int x2, int y2, int difficult) {
        return "<object><name>" + name + "</name><pose>Left</pose><truncated>0</truncated><difficult>" + difficult
                + "</difficult><bndbox><xmin>" + x1 + "</xmin><ymin>" + y1 + "</ymin><xmax>" + x2 + "</xmax><ymax>" + y2
                + "</ymax></bndbox></object>";
    }

    private Path devkit() throws IOException {
        Path kit = dir.resolve("VOC2007");
        Files.createDirectories(kit.resolve("Annotations"));
        Files.createDirectories(kit.resolve("ImageSets/Main"));
        Files.writeString(kit.resolve("ImageSets/Main/test.txt"), "000001\n000002\n");
        Files.writeString(kit.resolve("Annotations/000001.xml"), "<annotation><filename>000001.jpg</filename>"
                + object("cat", 1, 1, 10, 10, 0) + object("cat", 31, 1, 40, 10, 1) + "</annotation>");
        Files.writeString(kit.resolve("Annotations/000002.xml"), "<annotation>" + object("dog", 1, 1, 10, 10, 0) + "</annotation>");
        return kit;
    }

    @Test
    void vocFromDevkitAndResultFiles() throws IOException {
        // cat: npos 1 (the second cat is difficult); 000001 hit (TP) then a duplicate (FP) -> AP 1.
        // dog: npos 1, no file -> 0.  bird (listed in --classes): a file but no GT -> null, left out.  mAP = (1 + 0)/2.
        Path kit = devkit();
        Path dets = Files.createDirectories(dir.resolve("results"));
        Files.writeString(dets.resolve("comp4_det_test_cat.txt"), "000001 0.9 1 1 10 10\n000001 0.8 1 1 10 10\n\n");
        Files.writeString(dets.resolve("comp4_det_test_bird.txt"), "000002 0.3 1 1 5 5\n");
        // issue 17 #8: without --classes a file of a class with no object (a typo?) is an error, not a NaN class
        CliRun.Result typo = run("eval-detections", "--format", "voc", "--devkit", kit.toString(), "--set", "test", "--dets", dets.toString());
        assertEquals(2, typo.code(), typo.err());
        assertTrue(typo.err().startsWith("error: " + dets.resolve("comp4_det_test_bird.txt") + ": class 'bird' has no "
                + "object in test (a misspelt name?); annotated classes: cat, dog."), typo.err());
        Path all = Files.writeString(dir.resolve("all.txt"), "bird\ncat\ndog\n");
        CliRun.Result r = run("eval-detections", "--format", "voc", "--devkit", kit.toString(), "--set", "test", "--dets", dets.toString(), "--classes", all.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(0.5, json.get("mAP").asDouble(), 1e-12);
        assertEquals(0.5, json.get("mAP07").asDouble(), 1e-12);
        assertEquals(1.0, json.get("classes").get("cat").get("ap").asDouble(), 1e-12);
        assertEquals(1, json.get("classes").get("cat").get("npos").asInt());
        assertEquals(0.0, json.get("classes").get("dog").get("ap07").asDouble(), 0.0);
        assertTrue(json.get("classes").get("bird").get("ap").isNull());
        assertTrue(r.err().contains("mAP"), r.err());

        // --classes restricts the evaluation: only dog -> mAP 0.
        Path classes = Files.writeString(dir.resolve("classes.txt"), "dog\n");
        CliRun.Result only = run("eval-detections", "--format", "voc", "--devkit", kit.toString(), "--dets", dets.toString(), "--classes", classes.toString());
        JsonNode onlyJson = new ObjectMapper().readTree(only.out());
        assertEquals(0.0, onlyJson.get("mAP").asDouble(), 0.0);
        assertEquals(1, onlyJson.get("classes").size());
    }

    @Test
    void badDetectionLineNamesFileLineAndForm() throws IOException {
        Path file = Files.writeString(dir.resolve("comp4_det_test_cat.txt"), "000001 0.9 1 1 10 10\n000001 0.9 1 1 10\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VocDevkit.readDetections(file, "cat"));
        assertTrue(e.getMessage().contains("comp4_det_test_cat.txt:2") && e.getMessage().contains("image_id score x1 y1 x2 y2"), e.getMessage());
        CliRun.Result r = run("eval-detections", "--format", "voc", "--devkit", devkit().toString(), "--dets", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(":2:"), r.err());
    }

    @Test
    void malformedOrHostileXmlIsRejected() throws IOException {
        Path broken = Files.writeString(dir.resolve("a.xml"), "<annotation>\n<object><name>cat</name>\n</annotation>");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VocDevkit.readAnnotation(broken, "a"));
        assertTrue(e.getMessage().startsWith(broken + ":3"), e.getMessage());
        Path noBox = Files.writeString(dir.resolve("b.xml"), "<annotation><object><name>cat</name></object></annotation>");
        e = assertThrows(IllegalArgumentException.class, () -> VocDevkit.readAnnotation(noBox, "b"));
        assertTrue(e.getMessage().contains("bndbox"), e.getMessage());
        Path secret = Files.writeString(dir.resolve("secret.txt"), "cat");
        Path xxe = Files.writeString(dir.resolve("c.xml"), "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \""
                + secret.toUri() + "\">]><annotation><object><name>&x;</name></object></annotation>");
        e = assertThrows(IllegalArgumentException.class, () -> VocDevkit.readAnnotation(xxe, "c"));
        assertTrue(e.getMessage().contains("DOCTYPE"), e.getMessage());
    }

    @Test
    void cocoFromJsonFiles() throws IOException {
        // One image, one category, one GT of area 10000 found exactly: AP ~1 (large only), APs/APm -1.
        Path gt = Files.writeString(dir.resolve("instances.json"), """
                {"info": {}, "images": [{"id": 1, "width": 640, "height": 480}],
                 "categories": [{"id": 18, "name": "dog"}],
                 "annotations": [{"id": 5, "image_id": 1, "category_id": 18, "bbox": [10, 20, 100, 100],
                                  "area": 10000, "iscrowd": 0, "segmentation": [[10, 20, 110, 20, 110, 120]]}]}
                """);
        Path dets = Files.writeString(dir.resolve("results.json"),
                "[{\"image_id\": 1, \"category_id\": 18, \"bbox\": [10, 20, 100, 100], \"score\": 0.9}]");
        CliRun.Result r = run("eval-detections", "--format", "coco", "--gt", gt.toString(), "--dets", dets.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(12, json.size());
        assertEquals(1.0, json.get("AP").asDouble(), 1e-14);
        assertEquals(-1.0, json.get("APs").asDouble(), 0.0);
        assertEquals(1.0, json.get("AR100").asDouble(), 0.0);
        assertTrue(r.err().contains("AR100"), r.err());
    }

    @Test
    void badCocoJsonNamesFileElementAndField() throws IOException {
        Path dets = Files.writeString(dir.resolve("results.json"), "[{\"image_id\": 1, \"category_id\": 18,\n \"bbox\": [1, 2, 3], \"score\": 0.9}]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CocoJson.readDetections(dets));
        assertTrue(e.getMessage().contains("results.json") && e.getMessage().contains("[0]") && e.getMessage().contains("bbox")
                && e.getMessage().contains("[x, y, width, height]"), e.getMessage());
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"images\": [\n{\"id\": 1},\n{\"id\": }]}");
        e = assertThrows(IllegalArgumentException.class, () -> CocoJson.readGroundTruth(broken));
        assertTrue(e.getMessage().startsWith(broken + ":3: malformed JSON"), e.getMessage());
        Path noArea = Files.writeString(dir.resolve("noarea.json"),
                "{\"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1]}]}");
        e = assertThrows(IllegalArgumentException.class, () -> CocoJson.readGroundTruth(noArea));
        assertTrue(e.getMessage().contains("annotations[0]") && e.getMessage().contains(".area"), e.getMessage());
    }

    /** Issue 17 #8: COCO ground truth is validated like the training readers' input. */
    @Test
    void cocoGroundTruthIsValidated() throws IOException {
        String image = "{\"id\": 1, \"width\": 64, \"height\": 48}";
        String category = "{\"id\": 18, \"name\": \"dog\"}";
        String ann = "{\"id\": 5, \"image_id\": 1, \"category_id\": 18, \"bbox\": [1, 2, 10, 10], \"area\": 100, \"iscrowd\": 0}";
        String[][] cases = {
            {"{\"images\": [" + image + "], \"annotations\": [" + ann + "]}", "no 'categories' array"},
            {"{\"categories\": [" + category + "], \"annotations\": [" + ann + "]}", "no 'images' array"},
            {"{\"images\": [" + image + "], \"categories\": [" + category + "]}", "no 'annotations' array"},
            {"{\"images\": [" + image + ", " + image + "], \"categories\": [" + category + "], \"annotations\": []}",
                "images[1] (line 1).id: 1 is used twice"},
            {"{\"images\": [" + image + "], \"categories\": [" + category + ", " + category + "], \"annotations\": []}",
                "categories[1] (line 1).id: 18 is used twice"},
            {"{\"images\": [" + image + "], \"categories\": [" + category + "], \"annotations\": [" + ann + ", " + ann + "]}",
                "annotations[1] (line 1).id: 5 is used twice"},
            {"{\"images\": [" + image + "], \"categories\": [" + category + "], \"annotations\": ["
                + ann.replace("\"image_id\": 1", "\"image_id\": 7") + "]}", "annotations[0] (line 1).image_id: 7 is not in images"},
            {"{\"images\": [" + image + "], \"categories\": [" + category + "], \"annotations\": ["
                + ann.replace("\"category_id\": 18", "\"category_id\": 3") + "]}", "annotations[0] (line 1).category_id: 3 is not in categories"},
            {"{\"images\": [" + image + "], \"categories\": [" + category + "], \"annotations\": ["
                + ann.replace("10, 10]", "-10, 10]") + "]}", "annotations[0] (line 1): negative size"},
        };
        Path dets = Files.writeString(dir.resolve("r.json"), "[]");
        for (String[] c : cases) {
            Path gt = Files.writeString(dir.resolve("gt.json"), c[0]);
            CliRun.Result r = run("eval-detections", "--format", "coco", "--gt", gt.toString(), "--dets", dets.toString());
            assertEquals(2, r.code(), c[0] + " -> " + r.err());
            assertTrue(r.err().startsWith("error: " + gt + ": " + c[1]), c[0] + " -> " + r.err());
        }
    }
}
