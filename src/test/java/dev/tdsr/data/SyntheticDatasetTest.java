package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDatasetTest {
    @TempDir
    Path tmp;

    private static final int N = 5;
    private static final int SIZE = 96;

    @Test
    void vocLayoutReadsBackWithTheVocReader() throws IOException {
        SyntheticDataset gen = new SyntheticDataset(SIZE, 6, 11);
        gen.write(tmp, SyntheticDataset.Layout.VOC, N);
        ClassList classes = SyntheticDataset.classList(6);
        Dataset trainval = new VocReader(classes, BadInputPolicy.FAIL_FAST).read(tmp, "trainval", "2007");
        Dataset test = new VocReader(classes, BadInputPolicy.FAIL_FAST).read(tmp, "test", "2007");
        assertEquals(4, trainval.size());
        assertEquals(1, test.size());
        assertEquals("000004", test.samples().get(0).id());
        List<Sample> all = new ArrayList<>(trainval.samples());
        all.add(test.samples().get(0));
        for (int i = 0; i < N; i++) {
            Sample s = all.get(i);
            SyntheticDataset.Rendered r = gen.render(i);
            assertEquals(SIZE, s.width());
            assertEquals(r.objects().size(), s.objects().size());
            for (int k = 0; k < s.objects().size(); k++) {
                ObjectAnnotation want = r.objects().get(k);
                ObjectAnnotation got = s.objects().get(k);
                Box b = want.box(); // VOC stores 1-based inclusive; the reader subtracts 1 from all four
                assertEquals(new Box(b.x1(), b.y1(), b.x2() - 1, b.y2() - 1), got.box());
                assertEquals(want.classIndex(), got.classIndex());
                assertEquals(want.difficult(), got.difficult());
                assertEquals(want.truncated(), got.truncated());
            }
            Image.Rgb8 decoded = Image.Rgb8.read(s.imagePath());
            assertEquals(SIZE, decoded.width());
            assertClose(r.image(), decoded);
        }
        assertEquals(classes, Datasets.open(tmp, "trainval", null, BadInputPolicy.FAIL_FAST).classes());
    }

    @Test
    void cocoLayoutReadsBackWithTheCocoReader() throws IOException {
        SyntheticDataset gen = new SyntheticDataset(SIZE, 8, 11);
        gen.write(tmp, SyntheticDataset.Layout.COCO, N);
        Dataset train = new CocoReader(BadInputPolicy.FAIL_FAST).read(tmp, "train2017");
        Dataset val = Datasets.open(tmp, "val2017", null, BadInputPolicy.FAIL_FAST);
        assertEquals(SyntheticDataset.classList(8).names(), train.classes().names());
        assertEquals(4, train.size());
        assertEquals(1, val.size());
        for (int i = 0; i < N; i++) {
            Sample s = i < 4 ? train.samples().get(i) : val.samples().get(0);
            assertEquals(Integer.toString(i + 1), s.id());
            List<ObjectAnnotation> want = gen.render(i).objects();
            assertEquals(want.size(), s.objects().size());
            for (int k = 0; k < want.size(); k++) {
                assertEquals(want.get(k).box(), s.objects().get(k).box());
                assertEquals(want.get(k).classIndex(), s.objects().get(k).classIndex());
                assertEquals(want.get(k).difficult(), s.objects().get(k).iscrowd()); // difficult -> iscrowd
                assertEquals(want.get(k).area(), s.objects().get(k).area());
            }
        }
    }

    @Test
    void sameSeedGivesByteIdenticalFiles() throws IOException {
        for (SyntheticDataset.Layout layout : SyntheticDataset.Layout.values()) {
            Path a = tmp.resolve(layout + "-a");
            Path b = tmp.resolve(layout + "-b");
            Path c = tmp.resolve(layout + "-c");
            new SyntheticDataset(SIZE, 6, 3).write(a, layout, N);
            new SyntheticDataset(SIZE, 6, 3).write(b, layout, N);
            new SyntheticDataset(SIZE, 6, 4).write(c, layout, N);
            List<Path> files;
            try (var walk = Files.walk(a)) {
                files = walk.filter(Files::isRegularFile).map(a::relativize).sorted().toList();
            }
            assertTrue(files.size() >= (layout == SyntheticDataset.Layout.VOC ? 2 * N + 4 : N + 2), files.toString());
            boolean anyDiffers = false;
            for (Path f : files) {
                assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f.toString());
                anyDiffers |= !java.util.Arrays.equals(Files.readAllBytes(a.resolve(f)),
                        Files.readAllBytes(c.resolve(f)));
            }
            assertTrue(anyDiffers, "another seed must change the files");
        }
    }

    @Test
    void objectsCoverClassesSizesAndFlags() {
        SyntheticDataset gen = new SyntheticDataset(300, 6, 1);
        Set<Integer> classes = new HashSet<>();
        int difficult = 0;
        int truncated = 0;
        int small = 0;
        int large = 0;
        int objects = 0;
        for (int i = 0; i < 60; i++) {
            for (ObjectAnnotation o : gen.render(i).objects()) {
                objects++;
                classes.add(o.classIndex());
                difficult += o.difficult() ? 1 : 0;
                truncated += o.truncated() ? 1 : 0;
                double side = Math.max(o.box().width(), o.box().height());
                small += side < 30 ? 1 : 0;
                large += side > 100 ? 1 : 0;
                assertTrue(o.box().x1() >= 0 && o.box().x2() <= 300 && o.box().area() > 0);
            }
        }
        assertEquals(6, classes.size());
        assertTrue(difficult > 0 && difficult < objects / 3, difficult + " of " + objects);
        assertTrue(truncated > 0, "truncated");
        assertTrue(small > objects / 10 && large > objects / 10, small + " small, " + large + " large");
    }

    @Test
    void classesDifferInShapeAndTexture() {
        List<String> names = SyntheticDataset.classList(12).names();
        assertEquals("disc-dots", names.get(0));
        assertEquals("ellipse-speckle", names.get(5));
        assertEquals("disc-stripes", names.get(6));
        assertEquals(12, new HashSet<>(names).size());
        assertEquals(SyntheticDataset.MAX_CLASSES, new HashSet<>(SyntheticDataset.classList(36).names()).size());
        assertFalse(names.get(0).equals(names.get(6)));
    }

    /** JPEG at quality 0.95 keeps pixels near the rendered ones on average. */
    private static void assertClose(Image.Rgb8 want, Image.Rgb8 got) {
        double err = 0;
        for (int i = 0; i < want.rgb().length; i++) {
            err += Math.abs((want.rgb()[i] & 0xff) - (got.rgb()[i] & 0xff));
        }
        assertTrue(err / want.rgb().length < 8, "mean abs error " + err / want.rgb().length);
    }
}
