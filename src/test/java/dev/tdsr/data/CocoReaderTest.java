package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.data.LoadSummary.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoReaderTest {
    @TempDir
    Path root;

    private static final String CATEGORIES = "\"categories\": [{\"id\": 90, \"name\": \"toothbrush\"},"
            + " {\"id\": 1, \"name\": \"person\", \"supercategory\": \"person\"}, {\"id\": 3, \"name\": \"car\"}]";

    private void write(String images, String annotations) throws IOException {
        Files.createDirectories(root.resolve("annotations"));
        Files.createDirectories(root.resolve("val2017"));
        for (String f : List.of("000000000001.jpg", "000000000002.jpg")) {
            Image.blank(10, 8).write(root.resolve("val2017").resolve(f));
        }
        Files.writeString(root.resolve("annotations/instances_val2017.json"), "{\"info\": {\"year\": 2017}, "
                + "\"images\": [" + images + "], \"annotations\": [" + annotations + "], " + CATEGORIES + "}");
    }

    private static final String IMAGES = "{\"id\": 1, \"file_name\": \"000000000001.jpg\", \"width\": 10, \"height\": 8,"
            + " \"license\": 3}, {\"id\": 2, \"file_name\": \"000000000002.jpg\", \"width\": 10, \"height\": 8}";

    @Test
    void readsBoxesMapsCategoriesAndKeepsCrowdAndArea() throws IOException {
        write(IMAGES, "{\"id\": 7, \"image_id\": 2, \"category_id\": 90, \"bbox\": [1.5, 2, 3, 4.25], \"area\": 9.5,"
                + " \"iscrowd\": 0, \"segmentation\": [[1, 2, 3, 4, 5, 6]]},"
                + "{\"id\": 8, \"image_id\": 2, \"category_id\": 1, \"bbox\": [0, 0, 10, 8], \"area\": 50,"
                + " \"iscrowd\": 1, \"segmentation\": {\"counts\": [1, 2], \"size\": [8, 10]}}");
        Dataset d = new CocoReader(BadInputPolicy.FAIL_FAST).read(root, "val2017");
        assertEquals(List.of("person", "car", "toothbrush"), d.classes().names()); // ascending id
        assertEquals(2, d.classes().indexOfId(90));
        assertEquals(3, d.classes().id(1));
        assertEquals(2, d.size());
        assertTrue(d.samples().get(0).objects().isEmpty());
        Sample s = d.samples().get(1);
        assertEquals("2", s.id());
        ObjectAnnotation brush = s.objects().get(0);
        assertEquals(new Box(1.5, 2, 4.5, 6.25), brush.box());
        assertEquals(2, brush.classIndex());
        assertEquals(9.5, brush.area());
        assertFalse(brush.iscrowd());
        assertTrue(s.objects().get(1).iscrowd());
        assertEquals(0, s.objects().get(1).classIndex());
        assertEquals(1, d.nonEmpty().size());
    }

    /** Issue 17 #7: a box or area that overflows to Infinity is refused naming the annotation. */
    @Test
    void nonFiniteBoxesAreRefused() throws IOException {
        write(IMAGES, "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 1, 1e999, 2]},"
                + "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 1, 2, 2], \"area\": -1e999},"
                + "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 1, 2, 2]}");
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> new CocoReader(BadInputPolicy.FAIL_FAST).read(root, "val2017"));
        assertEquals(Problem.MALFORMED_ANNOTATION, e.problem());
        assertTrue(e.getMessage().contains("annotations[0]/bbox [1.0,1.0,Infinity,2.0] or area -1.0 is not finite"),
                e.getMessage());
        Dataset d = new CocoReader(BadInputPolicy.SKIP).read(root, "val2017");
        assertEquals(2, d.summary().count(Problem.MALFORMED_ANNOTATION));
        assertEquals(1, d.samples().get(0).objects().size());
    }

    @Test
    void givenClassListMatchesByName() throws IOException {
        write(IMAGES, "{\"image_id\": 1, \"category_id\": 3, \"bbox\": [1, 1, 2, 2]},"
                + "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 1, 2, 2]}");
        Dataset d = new CocoReader(ClassList.of(List.of("car", "bus")), BadInputPolicy.SKIP).read(root, "val2017");
        assertEquals(1, d.samples().get(0).objects().size());
        assertEquals(0, d.samples().get(0).objects().get(0).classIndex());
        assertEquals(1, d.summary().count(Problem.UNKNOWN_CLASS));
    }

    @Test
    void skipPolicyCountsBadAnnotations() throws IOException {
        write(IMAGES + ", {\"id\": 3, \"file_name\": \"missing.jpg\", \"width\": 10, \"height\": 8}",
                "{\"image_id\": 1, \"category_id\": 2, \"bbox\": [1, 1, 2, 2]},"
                + "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 1, 0, 2]},"
                + "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [5, 1, 8, 2]},"
                + "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 1, 2]},"
                + "{\"image_id\": 9, \"category_id\": 1, \"bbox\": [1, 1, 2, 2]},"
                + "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 1, 2, 2]}");
        Dataset d = new CocoReader(BadInputPolicy.SKIP).read(root, "val2017");
        LoadSummary s = d.summary();
        assertEquals(1, s.count(Problem.UNKNOWN_CLASS));
        assertEquals(1, s.count(Problem.ZERO_AREA_BOX));
        assertEquals(1, s.count(Problem.BOX_OUTSIDE_IMAGE));
        assertEquals(2, s.count(Problem.MALFORMED_ANNOTATION)); // 3-number bbox, unknown image_id
        assertEquals(1, s.count(Problem.MISSING_IMAGE));
        assertEquals(2, d.size());
        assertEquals(1, d.samples().get(0).objects().size());
        assertTrue(s.firstMessages().stream().anyMatch(m -> m.contains("annotations[3]/bbox")), s.firstMessages()
                .toString());
    }

    @Test
    void malformedJsonIsReportedWithTheFile() throws IOException {
        write(IMAGES, "{\"image_id\": 1, ");
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> new CocoReader(BadInputPolicy.FAIL_FAST).read(root, "val2017"));
        assertTrue(e.getMessage().contains("instances_val2017.json") && e.getMessage().contains("line"),
                e.getMessage());
        Dataset d = new CocoReader(BadInputPolicy.SKIP).read(root, "val2017");
        assertEquals(0, d.size());
        assertEquals(1, d.summary().count(Problem.MALFORMED_ANNOTATION));
    }

    @Test
    void failFastNamesTheField() throws IOException {
        write(IMAGES, "{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 1, 0, 2]}");
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> new CocoReader(BadInputPolicy.FAIL_FAST).read(root, "val2017"));
        assertEquals(Problem.ZERO_AREA_BOX, e.problem());
        assertTrue(e.getMessage().contains("annotations[0]/bbox"), e.getMessage());
    }
}
