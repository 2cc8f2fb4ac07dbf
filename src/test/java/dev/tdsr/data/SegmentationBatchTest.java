package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A segmentation loader's batches carry each image's mask; masks cannot follow SSD's geometric augmentation. */
class SegmentationBatchTest {
    @TempDir
    Path tmp;

    @Test
    void batchesCarryEachImagesMaskAndRefuseGeometricAugmentation() throws IOException {
        Path data = tmp.resolve("d");
        new SyntheticDataset(48, 2, 5).write(data, SyntheticDataset.Layout.VOC, 10);
        Dataset set = VocSegmentationReader.read(data, "trainval").dataset();
        LoaderConfig cfg = new LoaderConfig(48, 3, 1, true, SsdAugmentation.none(), Degradation.bicubic(4), 2, 1,
                true, false, LoaderConfig.DEFAULT_CACHE_BYTES, 2);
        try (BatchLoader l = new BatchLoader(set, cfg, 3)) {
            Batch b = l.next();
            assertEquals(3, b.masks().size());
            for (int i = 0; i < 3; i++) {
                Sample s = b.samples().get(i);
                SegmentationMask file = SegmentationMask.read(VocSegmentationReader.maskOf(s), 3);
                assertArrayEquals(file.labels(), b.masks().get(i).labels(), "mask of " + s.id());
            }
        }
        try (BatchLoader l = new BatchLoader(set, cfg)) {
            assertNull(l.next().masks(), "a detection loader carries no masks");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchLoader(set, cfg.withAugmentation(SsdAugmentation.ssd()), 3));
        assertTrue(e.getMessage().contains("--no-augment"), e.getMessage());
        LoaderConfig bigger = new LoaderConfig(96, 3, 0, false, SsdAugmentation.none(), Degradation.bicubic(4), 2, 1,
                true, false, LoaderConfig.DEFAULT_CACHE_BYTES, 1);
        try (BatchLoader l = new BatchLoader(set, bigger, 3)) {
            Batch b = l.next();
            SegmentationMask m = b.masks().get(0);
            assertEquals(96, m.width());
            assertEquals(SegmentationMask.read(VocSegmentationReader.maskOf(b.samples().get(0)), 3).get(10, 20),
                    m.get(20, 40), "nearest-neighbour resize to the HR side");
        }
    }
}
