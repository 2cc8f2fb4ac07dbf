package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLoaderTest {
    @TempDir
    static Path dir;

    static Dataset data;

    @BeforeAll
    static void generate() throws IOException {
        new SyntheticDataset(64, 4, 2).write(dir, SyntheticDataset.Layout.VOC, 12);
        data = Datasets.open(dir, "trainval", null, BadInputPolicy.FAIL_FAST); // 10 images
    }

    private static LoaderConfig small() {
        return new LoaderConfig(32, 3, 0, true, SsdAugmentation.ssd(), Degradation.bicubic(4), 7, 2, true, false,
                LoaderConfig.DEFAULT_CACHE_BYTES, 2);
    }

    private static List<Batch> all(LoaderConfig cfg) {
        List<Batch> out = new ArrayList<>();
        try (BatchLoader l = new BatchLoader(data, cfg)) {
            while (l.hasNext()) {
                out.add(l.next());
            }
        }
        return out;
    }

    @Test
    void sameBatchesWhateverTheWorkerCount() {
        List<Batch> inline = all(small());
        List<Batch> threaded = all(small().withWorkers(3));
        assertEquals(6, inline.size()); // 10 images / 3 = 3 full batches, 2 epochs
        assertEquals(inline.size(), threaded.size());
        for (int i = 0; i < inline.size(); i++) {
            Batch a = inline.get(i);
            Batch b = threaded.get(i);
            assertEquals(i, a.index());
            assertEquals(i / 3, a.epoch());
            assertArrayEquals(a.hr(), b.hr());
            assertArrayEquals(a.lr(), b.lr());
            assertEquals(a.samples(), b.samples());
            for (int k = 0; k < a.size(); k++) {
                assertArrayEquals(a.boxes().get(k), b.boxes().get(k));
                assertArrayEquals(a.labels().get(k), b.labels().get(k));
            }
        }
        assertNotEquals(inline.get(0).samples(), inline.get(3).samples()); // epoch 1 reshuffled
    }

    @Test
    void skipToStartsAtTheSameBatchAFullPassDelivers() {
        List<Batch> full = all(small());
        try (BatchLoader l = new BatchLoader(data, small().withWorkers(2))) {
            l.skipTo(4); // inside epoch 1
            for (int i = 4; i < full.size(); i++) {
                Batch b = l.next();
                assertEquals(i, b.index());
                assertEquals(full.get(i).samples(), b.samples());
                assertArrayEquals(full.get(i).hr(), b.hr());
                assertArrayEquals(full.get(i).lr(), b.lr());
            }
            assertFalse(l.hasNext());
            assertThrows(IllegalStateException.class, () -> l.skipTo(0));
        }
    }

    @Test
    void batchShapesAndBoxes() {
        Batch b = all(small()).get(0);
        assertEquals(3, b.size());
        assertEquals(3 * 3 * 32 * 32, b.hr().length);
        assertEquals(8, b.lrWidth()); // ceil(32 / 4)
        assertEquals(3 * 3 * 8 * 8, b.lr().length);
        for (int k = 0; k < 3; k++) {
            assertEquals(4 * b.labels().get(k).length, b.boxes().get(k).length);
            for (float v : b.boxes().get(k)) {
                assertTrue(v >= 0 && v <= 1);
            }
        }
        // LR is the quantised bicubic downscale of this HR
        Image hr0 = new Image(32, 32, java.util.Arrays.copyOf(b.hr(), 3 * 32 * 32));
        Image lr0 = Degradation.bicubic(4).apply(hr0, null);
        assertArrayEquals(lr0.data(), java.util.Arrays.copyOf(b.lr(), 3 * 8 * 8));
    }

    @Test
    void unshuffledUnaugmentedEvaluationPassKeepsFileOrderAndLastBatch() {
        LoaderConfig cfg = LoaderConfig.evaluation(4).withBatchSize(4).withWorkers(2);
        List<Batch> batches;
        try (BatchLoader l = new BatchLoader(data, cfg)) {
            assertEquals(3, l.batchesPerEpoch());
            assertTrue(l.caching());
            batches = new ArrayList<>();
            while (l.hasNext()) {
                batches.add(l.next());
            }
        }
        assertEquals(List.of(4, 4, 2), batches.stream().map(Batch::size).toList());
        List<Sample> order = batches.stream().flatMap(b -> b.samples().stream()).toList();
        assertEquals(data.samples(), order);
        // no augmentation: boxes are the annotation boxes over the original size (difficult ones kept)
        Sample s = order.get(0);
        float[] boxes = batches.get(0).boxes().get(0);
        assertEquals(s.objects().size() * 4, boxes.length);
        assertEquals(s.objects().get(0).box().x1() / s.width(), boxes[0], 1e-6);
    }

    @Test
    void differentSeedsDifferAndShuffleOffKeepsOrder() {
        List<Batch> a = all(small());
        List<Batch> b = all(new LoaderConfig(32, 3, 0, true, SsdAugmentation.ssd(), Degradation.bicubic(4), 8, 2,
                true, false, LoaderConfig.DEFAULT_CACHE_BYTES, 2));
        assertFalse(java.util.Arrays.equals(a.get(0).hr(), b.get(0).hr()));
        List<Batch> ordered = all(small().withShuffle(false));
        assertEquals(data.samples().subList(0, 3), ordered.get(0).samples());
        assertEquals(data.samples().subList(0, 3), ordered.get(3).samples());
    }

    @Test
    void corruptImageFailsNamingTheFile() throws IOException {
        Path bad = Files.createTempDirectory(dir, "bad");
        new SyntheticDataset(64, 4, 2).write(bad, SyntheticDataset.Layout.VOC, 2);
        Path jpeg = bad.resolve("VOC2007/JPEGImages/000000.jpg");
        Files.write(jpeg, new byte[] {1, 2, 3});
        Dataset d = Datasets.open(bad, "trainval", null, BadInputPolicy.FAIL_FAST);
        try (BatchLoader l = new BatchLoader(d, small().withBatchSize(1).withShuffle(false).withWorkers(1))) {
            DatasetFormatException e = assertThrows(DatasetFormatException.class, l::next);
            assertEquals(LoadSummary.Problem.CORRUPT_IMAGE, e.problem());
            assertTrue(e.getMessage().contains("000000.jpg"), e.getMessage());
        }
    }

    /** Issue 17 #3: a JPEG cut short (header whole, body missing) is not trained on as ImageIO's grey fill. */
    @Test
    void truncatedJpegFailsNamingTheFile() throws IOException {
        Path bad = Files.createTempDirectory(dir, "cut");
        new SyntheticDataset(64, 4, 2).write(bad, SyntheticDataset.Layout.VOC, 2);
        Path jpeg = bad.resolve("VOC2007/JPEGImages/000000.jpg");
        byte[] bytes = Files.readAllBytes(jpeg);
        Files.write(jpeg, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Dataset d = Datasets.verifyImages(Datasets.open(bad, "trainval", null, BadInputPolicy.FAIL_FAST));
        assertEquals(2, d.samples().size(), "the header is whole");
        try (BatchLoader l = new BatchLoader(d, small().withBatchSize(1).withShuffle(false).withWorkers(1))) {
            DatasetFormatException e = assertThrows(DatasetFormatException.class, l::next);
            assertEquals(LoadSummary.Problem.CORRUPT_IMAGE, e.problem());
            assertTrue(e.getMessage().contains(jpeg + ": corrupt or truncated image"), e.getMessage());
        }
    }

    @Test
    void verifyImagesDropsUnreadableAndMissizedImages() throws IOException {
        Path bad = Files.createTempDirectory(dir, "verify");
        new SyntheticDataset(64, 4, 2).write(bad, SyntheticDataset.Layout.VOC, 4);
        Files.write(bad.resolve("VOC2007/JPEGImages/000000.jpg"), new byte[] {1, 2, 3});
        Image.blank(10, 10).write(bad.resolve("VOC2007/JPEGImages/000001.jpg"));
        Dataset d = Datasets.verifyImages(Datasets.open(bad, "trainval", null, BadInputPolicy.SKIP));
        assertEquals(List.of("000002", "000003"), d.samples().stream().map(Sample::id).toList());
        assertEquals(2, d.summary().count(LoadSummary.Problem.CORRUPT_IMAGE));
        assertTrue(d.summary().firstMessages().get(1).contains("10x10"), d.summary().firstMessages().toString());
        Dataset strict = Datasets.open(bad, "trainval", null, BadInputPolicy.FAIL_FAST);
        assertThrows(DatasetFormatException.class, () -> Datasets.verifyImages(strict));
    }

    @Test
    void tooSmallDatasetIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(data, small().withBatchSize(11)));
    }
}
