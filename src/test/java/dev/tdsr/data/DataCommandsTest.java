package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two CLI commands of this package, end to end on tiny inputs. */
class DataCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void generateDatasetWritesBothLayouts() throws IOException {
        assertEquals(0, Main.run("generate-dataset", "--layout", "coco", "--images", "3", "--size", "48", "--seed",
                "5", "--classes", "3", "--out", tmp.resolve("c").toString()));
        assertTrue(Files.isRegularFile(tmp.resolve("c/annotations/instances_train2017.json")));
        assertEquals(0, Main.run("generate-dataset", "--images", "3", "--size", "48", "--out",
                tmp.resolve("v").toString()));
        assertEquals(3, Files.list(tmp.resolve("v/VOC2007/JPEGImages")).count());
        assertEquals(2, Main.run("generate-dataset", "--layout", "yolo", "--out", tmp.resolve("x").toString()));
    }

    @Test
    void benchLoaderRunsOnAGeneratedDataset() {
        Path d = tmp.resolve("v");
        assertEquals(0, Main.run("generate-dataset", "--images", "8", "--size", "64", "--out", d.toString()));
        assertEquals(0, Main.run("bench-loader", "--data", d.toString(), "--batch", "2", "--workers", "1",
                "--seconds", "0.2"));
        assertEquals(2, Main.run("bench-loader", "--data", tmp.resolve("nothing").toString(), "--seconds", "0.1"));
    }

    @Test
    void generateDatasetWritesLrPairsBesideACocoLayoutToo() throws IOException {
        Path c = tmp.resolve("cp");
        assertEquals(0, Main.run("generate-dataset", "--layout", "coco", "--images", "5", "--size", "50", "--seed",
                "3", "--classes", "2", "--write-lr", "4", "--out", c.toString()));
        for (String split : new String[] {"train2017", "val2017"}) {
            Dataset d = Datasets.open(c, split, null, BadInputPolicy.FAIL_FAST);
            LrFiles files = new LrFiles(c.resolve("LR"), 4).checked("--lr-dir");
            assertEquals(d.size(), files.verify(d).size());
            Sample s = d.samples().get(0);
            assertEquals(13, files.read(s).width()); // ceil(50/4)
        }
        try (var lr = Files.list(c.resolve("LR/x4"))) {
            assertEquals(5, lr.count());
        }
        assertEquals(2, Main.run("generate-dataset", "--images", "2", "--write-lr", "3", "--out",
                tmp.resolve("x3").toString()));
    }
}
