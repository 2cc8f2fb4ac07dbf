package dev.tdsr.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tdsr.data.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class FigureGridTest {
    @TempDir
    Path tmp;

    /** A grey image with one pure-red pixel at (px, py). */
    public static Image grey(int size, int px, int py) {
        Image im = Image.blank(size, size);
        java.util.Arrays.fill(im.data(), 0.5f);
        im.set(0, px, py, 1f);
        im.set(1, px, py, 0f);
        im.set(2, px, py, 0f);
        return im;
    }

    static List<FigureGrid.Row> rows(int n) {
        List<FigureGrid.Row> rows = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            rows.add(new FigureGrid.Row("img" + r, List.of(
                    new FigureGrid.Panel("HR", grey(32, 1, 1), List.of(new DetectionBox("cat", 0.9, 8, 8, 24, 24)),
                            null),
                    new FigureGrid.Panel("LR", grey(8, 1, 0), List.of(), 18.5),
                    new FigureGrid.Panel("Bicubic", grey(32, 0, 0), List.of(), 20.1),
                    new FigureGrid.Panel("SR-FT", grey(32, 0, 0), List.of(new DetectionBox("dog", 0.1, 0, 0, 9, 9)),
                            22.0),
                    new FigureGrid.Panel("TDSR", grey(32, 0, 0), List.of(new DetectionBox("dog", 0.8, 0, 0, 9, 9)),
                            21.0))));
        }
        return rows;
    }

    @Test
    void sizeFollowsTheLayoutFormula() throws IOException {
        Path f = tmp.resolve("figure.png");
        new FigureGrid(64, 0.5).write(rows(3), FigureGrid.Crop.WHOLE, f);
        // 5 columns of 64 and 6 gaps of 8; title 28 + 3 rows of (64 + 22 + 8) + 8
        ChartsTest.assertPng(f, 5 * 64 + 6 * 8, 28 + 3 * (64 + 22 + 8) + 8);
        BufferedImage half = new FigureGrid(64, 0.5).render(rows(1), new FigureGrid.Crop(0.5, 0, 0.5, 0.25));
        assertEquals(28 + (32 + 22 + 8) + 8, half.getHeight()); // cell height 64 * 0.25 / 0.5
    }

    @Test
    void lrIsEnlargedNearestAndBoxesAreScaled() {
        BufferedImage img = new FigureGrid(64, 0.5).render(rows(1), FigureGrid.Crop.WHOLE);
        int top = FigureGrid.TITLE_HEIGHT;
        int lrLeft = 8 + 64 + 8;
        // LR pixel (1, 0) becomes the 8x8 block x 8..15, y 0..7 of the cell: all red, the neighbours grey
        for (int y = 0; y < 8; y++) {
            for (int x = 8; x < 16; x++) {
                assertEquals(0xFF0000, img.getRGB(lrLeft + x, top + y) & 0xFFFFFF, "at " + x + "," + y);
            }
        }
        assertEquals(0x808080, img.getRGB(lrLeft + 7, top + 4) & 0xFFFFFF);
        assertEquals(0x808080, img.getRGB(lrLeft + 16, top + 4) & 0xFFFFFF);
        // HR box (8..24 of 32) is drawn at 16..48 of the 64-pixel cell: its left edge at x 16, row 40
        int hrLeft = 8;
        assertNotEquals(0x808080, img.getRGB(hrLeft + 16, top + 40) & 0xFFFFFF);
        assertEquals(0x808080, img.getRGB(hrLeft + 30, top + 40) & 0xFFFFFF, "inside the box stays the image");
        // the SR-FT detection (score 0.1) is under minScore: not drawn; TDSR's (0.8) is
        int srftLeft = 8 + 3 * (64 + 8);
        int tdsrLeft = 8 + 4 * (64 + 8);
        assertEquals(0x808080, img.getRGB(srftLeft + 10, top + 18) & 0xFFFFFF);
        assertNotEquals(0x808080, img.getRGB(tdsrLeft + 18, top + 10) & 0xFFFFFF);
    }

    @Test
    void rowsMustHaveTheSameColumns() {
        List<FigureGrid.Row> bad = new ArrayList<>(rows(1));
        bad.add(new FigureGrid.Row("short", List.of(new FigureGrid.Panel("HR", grey(32, 0, 0), List.of(), null))));
        assertThrows(IllegalArgumentException.class, () -> new FigureGrid(64, 0).render(bad, FigureGrid.Crop.WHOLE));
    }

    @Test
    void labelsStayInsideTheirCrop() {
        assertEquals(10, FigureGrid.labelX(10, 50, 200), "inside: at the box");
        assertEquals(0, FigureGrid.labelX(-30, 50, 200), "a box leaving on the left");
        assertEquals(150, FigureGrid.labelX(190, 50, 200), "a box near the right edge");
    }
}
