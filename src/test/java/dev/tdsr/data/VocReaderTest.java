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

class VocReaderTest {
    @TempDir
    Path root;

    private static String xml(int w, int h, String... objects) {
        return "<annotation><filename>x.jpg</filename><size><width>" + w + "</width><height>" + h
                + "</height><depth>3</depth></size>" + String.join("", objects) + "</annotation>";
    }

    private static String obj(String name, int difficult, String box) {
        String[] v = box.split(",");
        return "<object><name>" + name + "</name><truncated>1</truncated><difficult>" + difficult
                + "</difficult><bndbox><xmin>" + v[0] + "</xmin><ymin>" + v[1] + "</ymin><xmax>" + v[2]
                + "</xmax><ymax>" + v[3] + "</ymax></bndbox></object>";
    }

    private void add(String year, String set, String id, String xml, boolean image) throws IOException {
        Path dir = root.resolve("VOCdevkit").resolve("VOC" + year);
        Files.createDirectories(dir.resolve("Annotations"));
        Files.createDirectories(dir.resolve("JPEGImages"));
        Files.createDirectories(dir.resolve("ImageSets/Main"));
        Files.writeString(dir.resolve("Annotations").resolve(id + ".xml"), xml);
        if (image) {
            Image.blank(8, 6).write(dir.resolve("JPEGImages").resolve(id + ".jpg"));
        }
        Path list = dir.resolve("ImageSets/Main").resolve(set + ".txt");
        Files.writeString(list, (Files.exists(list) ? Files.readString(list) : "") + id + "\n");
    }

    @Test
    void readsBoxesClassesFlagsAndTheUnionOfYears() throws IOException {
        add("2007", "trainval", "000005", xml(8, 6, obj("dog", 0, "1,2,8,6"), obj("tvmonitor", 1, "3,3,5,4")), true);
        add("2012", "trainval", "2008_000001", xml(8, 6, obj("aeroplane", 0, "2,2,4,5")), true);
        Dataset d = new VocReader(BadInputPolicy.FAIL_FAST).read(root, "trainval", "2007", "2012");
        assertEquals(2, d.size());
        Sample s = d.samples().get(0);
        assertEquals("000005", s.id());
        assertEquals(8, s.width());
        assertEquals(6, s.height());
        assertTrue(Files.isRegularFile(s.imagePath()));
        ObjectAnnotation dog = s.objects().get(0);
        assertEquals(new Box(0, 1, 7, 5), dog.box()); // XML - 1
        assertEquals(11, dog.classIndex());
        assertEquals("dog", dog.className());
        assertFalse(dog.difficult());
        assertTrue(dog.truncated());
        assertTrue(s.objects().get(1).difficult());
        assertEquals(19, s.objects().get(1).classIndex());
        assertEquals(0, d.samples().get(1).objects().get(0).classIndex());
        assertEquals(0, d.summary().total());
    }

    @Test
    void customClassListAndDatasetsOpenFindsYears() throws IOException {
        add("2007", "test", "a", xml(8, 6, obj("disc", 0, "1,1,3,3")), true);
        Files.writeString(root.resolve("classes.txt"), "square\ndisc\n");
        Dataset d = Datasets.open(root, "test", null, BadInputPolicy.FAIL_FAST);
        assertEquals(List.of("square", "disc"), d.classes().names());
        assertEquals(1, d.samples().get(0).objects().get(0).classIndex());
    }

    @Test
    void badInputFailsFastNamingFileAndField() throws IOException {
        add("2007", "trainval", "bad", xml(8, 6, obj("unicorn", 0, "1,1,3,3")), true);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> new VocReader(BadInputPolicy.FAIL_FAST).read(root, "trainval", "2007"));
        assertEquals(Problem.UNKNOWN_CLASS, e.problem());
        assertTrue(e.getMessage().contains("bad.xml") && e.getMessage().contains("object[0]/name"), e.getMessage());
    }

    /** Issue 17 #7: NaN passed every comparison and was trained on; Infinity and 1e999 are refused alike. */
    @Test
    void nonFiniteCoordinatesAreRefusedNamingTheField() throws IOException {
        add("2007", "trainval", "nan", xml(8, 6, obj("cat", 0, "NaN,1,3,3")), true);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> new VocReader(BadInputPolicy.FAIL_FAST).read(root, "trainval", "2007"));
        assertEquals(Problem.MALFORMED_ANNOTATION, e.problem());
        assertTrue(e.getMessage().contains("nan.xml: field bndbox/xmin = 'NaN' is not a finite number"),
                e.getMessage());
        add("2007", "trainval", "inf", xml(8, 6, obj("cat", 0, "1,1,3,Infinity")), true);
        add("2007", "trainval", "big", xml(8, 6, obj("cat", 0, "1,1e999,3,3")), true);
        add("2007", "trainval", "ok", xml(8, 6, obj("cat", 0, "1,1,3,3")), true);
        Dataset d = new VocReader(BadInputPolicy.SKIP).read(root, "trainval", "2007");
        assertEquals(3, d.summary().count(Problem.MALFORMED_ANNOTATION), d.summary().firstMessages().toString());
        assertEquals(List.of("ok"), d.samples().stream().map(Sample::id).toList());
    }

    @Test
    void skipPolicyCountsEachKindOfProblem() throws IOException {
        add("2007", "trainval", "ok", xml(8, 6, obj("cat", 0, "1,1,3,3")), true);
        add("2007", "trainval", "unknown", xml(8, 6, obj("unicorn", 0, "1,1,3,3"), obj("cat", 0, "1,1,3,3")), true);
        add("2007", "trainval", "zero", xml(8, 6, obj("cat", 0, "3,1,3,3")), true);
        add("2007", "trainval", "outside", xml(8, 6, obj("cat", 0, "1,1,9,3")), true);
        add("2007", "trainval", "broken", "<annotation><size>", true);
        add("2007", "trainval", "noimage", xml(8, 6, obj("cat", 0, "1,1,3,3")), false);
        add("2007", "trainval", "nofield", xml(8, 6, obj("cat", 0, "1,1,3,3").replace("<ymax>3</ymax>", "")), true);
        add("2007", "trainval", "xxe", "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + xml(8, 6, obj("&x;", 0, "1,1,3,3")), true);
        Dataset d = new VocReader(BadInputPolicy.SKIP).read(root, "trainval", "2007");
        LoadSummary sum = d.summary();
        assertEquals(1, sum.count(Problem.UNKNOWN_CLASS));
        assertEquals(1, sum.count(Problem.ZERO_AREA_BOX));
        assertEquals(1, sum.count(Problem.BOX_OUTSIDE_IMAGE));
        assertEquals(1, sum.count(Problem.MISSING_IMAGE));
        assertEquals(3, sum.count(Problem.MALFORMED_ANNOTATION), sum.firstMessages().toString()); // broken XML, no ymax, DOCTYPE
        assertEquals(7, sum.total());
        // samples with only object-level problems stay (with their good objects); file-level ones go
        assertEquals(List.of("ok", "unknown", "zero", "outside"), d.samples().stream().map(Sample::id).toList());
        assertEquals(1, d.samples().get(1).objects().size());
        assertTrue(sum.firstMessages().stream().anyMatch(m -> m.contains("nofield.xml") && m.contains("ymax")),
                sum.firstMessages().toString());
        assertEquals(2, d.nonEmpty().size()); // "zero" and "outside" lost their only object
    }

    @Test
    void missingImageSetIsAnIoErrorNamingThePath() throws IOException {
        add("2007", "trainval", "ok", xml(8, 6), true);
        IOException e = assertThrows(IOException.class,
                () -> new VocReader(BadInputPolicy.SKIP).read(root, "test", "2007"));
        assertTrue(e.getMessage().contains("test.txt"), e.getMessage());
    }
}
