package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentationMaskTest {
    @TempDir
    Path tmp;

    private static final int SIZE = 96;

    @Test
    void generatedMasksFollowTheBoxesGeometry() {
        SyntheticDataset gen = new SyntheticDataset(SIZE, 6, 11);
        int singles = 0;
        for (int i = 0; i < 40; i++) {
            SyntheticDataset.Rendered r = gen.render(i);
            SegmentationMask m = r.mask();
            assertEquals(SIZE, m.width());
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int v = m.get(x, y);
                    if (v == 0 || v == SegmentationMask.IGNORE) {
                        continue;
                    }
                    // a class pixel lies in a box of that class (segmentation class = detection class + 1)
                    boolean inBox = false;
                    for (ObjectAnnotation o : r.objects()) {
                        Box b = o.box();
                        inBox |= o.classIndex() + 1 == v && x >= b.x1() && x < b.x2() && y >= b.y1() && y < b.y2();
                    }
                    assertTrue(inBox, "image " + i + " pixel (" + x + "," + y + ") label " + v + " outside its boxes");
                }
            }
            if (r.objects().size() == 1) {
                // one object: every non-background label is the object or its band, so their extent is the
                // box grown by the band's radius (clipped to the image)
                singles++;
                Box b = r.objects().get(0).box();
                int rad = SyntheticDataset.BOUNDARY_RADIUS;
                int[] ext = extent(m);
                assertArrayEquals(new int[] {Math.max(0, (int) b.x1() - rad), Math.max(0, (int) b.y1() - rad),
                        Math.min(SIZE, (int) b.x2() + rad), Math.min(SIZE, (int) b.y2() + rad)}, ext, "image " + i);
            }
        }
        assertTrue(singles >= 3, "too few single-object images to check: " + singles);
    }

    /** [x1, y1, x2, y2) of the non-zero labels. */
    private static int[] extent(SegmentationMask m) {
        int x1 = Integer.MAX_VALUE;
        int y1 = Integer.MAX_VALUE;
        int x2 = -1;
        int y2 = -1;
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                if (m.get(x, y) != 0) {
                    x1 = Math.min(x1, x);
                    y1 = Math.min(y1, y);
                    x2 = Math.max(x2, x + 1);
                    y2 = Math.max(y2, y + 1);
                }
            }
        }
        return new int[] {x1, y1, x2, y2};
    }

    @Test
    void boundaryBandSeparatesObjectFromBackground() {
        SyntheticDataset.Rendered r = new SyntheticDataset(SIZE, 6, 11).render(0);
        SegmentationMask m = r.mask();
        // no object pixel touches a background pixel: the band lies between them
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x + 1 < SIZE; x++) {
                int a = m.get(x, y);
                int b = m.get(x + 1, y);
                if (a != SegmentationMask.IGNORE && b != SegmentationMask.IGNORE) {
                    assertEquals(a, b, "labels " + a + " and " + b + " touch at (" + x + "," + y + ")");
                }
            }
        }
    }

    @Test
    void writesVocPalettePngsThatReadBackAsIndices() throws IOException {
        byte[] labels = {0, 1, 2, (byte) 255, 5, 0};
        SegmentationMask m = new SegmentationMask(3, 2, labels);
        Path f = tmp.resolve("m.png");
        m.write(f);
        BufferedImage bi = ImageIO.read(f.toFile());
        IndexColorModel cm = (IndexColorModel) bi.getColorModel();
        assertEquals(0x800000, cm.getRGB(1) & 0xffffff); // VOC: aeroplane (128,0,0)
        assertEquals(0x008000, cm.getRGB(2) & 0xffffff); // bicycle (0,128,0)
        assertEquals(0xe0e0c0, cm.getRGB(255) & 0xffffff); // void (224,224,192)
        assertArrayEquals(labels, SegmentationMask.read(f, 6).labels());
    }

    @Test
    void badMasksAreOneLineErrorsNamingTheFile() throws IOException {
        Path f = tmp.resolve("m.png");
        new SegmentationMask(2, 1, new byte[] {0, 7}).write(f);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SegmentationMask.read(f, 6));
        assertTrue(e.getMessage().startsWith(f + ": pixel (1,0) has index 7; expected 0..5 or 255"), e.getMessage());
        Path rgb = tmp.resolve("rgb.png");
        ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", rgb.toFile());
        e = assertThrows(DatasetFormatException.class, () -> SegmentationMask.read(rgb, 6));
        assertTrue(e.getMessage().startsWith(rgb + ": colour model") && e.getMessage().contains("palette PNG"),
                e.getMessage());
        e = assertThrows(DatasetFormatException.class, () -> SegmentationMask.read(tmp.resolve("none.png"), 6));
        assertTrue(e.getMessage().contains("not found") && !e.getMessage().contains("\n"));
    }

    @Test
    void resizeIsNearestAndMirrorFlips() {
        SegmentationMask m = new SegmentationMask(2, 2, new byte[] {1, 2, 3, 4});
        assertArrayEquals(new byte[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, m.resizeNearest(4, 4).labels());
        // 4 -> 2 picks the source pixel under each output centre: 0.5 * 4/2 = 1 -> source 1, 3 -> source 3
        assertArrayEquals(new byte[] {1, 2, 3, 4}, m.resizeNearest(4, 4).resizeNearest(2, 2).labels());
        assertArrayEquals(new byte[] {2, 1, 4, 3}, m.mirrored().labels());
    }

    @Test
    void readerReadsTheGeneratedLayoutAndChecksSizes() throws IOException {
        SyntheticDataset gen = new SyntheticDataset(SIZE, 6, 11);
        gen.write(tmp, SyntheticDataset.Layout.VOC, 5);
        VocSegmentationReader.Set test = VocSegmentationReader.read(tmp, "test", "2007");
        assertEquals(7, test.classes());
        assertEquals("background", test.classNames().get(0));
        assertEquals(List.of("000004"), test.items().stream().map(VocSegmentationReader.Item::id).toList());
        assertEquals(4, VocSegmentationReader.read(tmp, "trainval", "2007").items().size());
        VocSegmentationReader.Loaded l = VocSegmentationReader.load(test.items().get(0), test.classes());
        assertArrayEquals(gen.render(4).mask().labels(), l.mask().labels());
        assertEquals(SIZE, l.image().width());
        // a mask of another size than its JPEG is an error naming the mask
        Path mask = test.items().get(0).mask();
        new SegmentationMask(SIZE, SIZE - 1, new byte[SIZE * (SIZE - 1)]).write(mask);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> VocSegmentationReader.read(tmp, "test", "2007"));
        assertEquals(mask + ": size 96x95 differs from its image's 96x96 (expected the JPEG's size)", e.getMessage());
        Files.delete(mask);
        e = assertThrows(DatasetFormatException.class, () -> VocSegmentationReader.read(tmp, "test", "2007"));
        assertTrue(e.getMessage().startsWith(mask + ": segmentation mask missing"), e.getMessage());
    }
}
