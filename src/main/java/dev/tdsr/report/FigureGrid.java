package dev.tdsr.report;

import dev.tdsr.data.Image;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * A figure like the paper's Figures 1 and 3: one row per test image, one column per method (HR / LR / Bicubic /
 * SR-FT / TDSR), each cell the same crop of that method's image with its detections (box, class, score; one colour
 * per class) and its PSNR underneath. Images smaller than the cell (LR) are enlarged nearest-neighbour so their
 * pixels stay visible.
 *
 * <p>Layout (pixels): a title band of {@link #TITLE_HEIGHT}, then per row a cell of {@code cell x cellHeight} and a
 * caption band of {@link #CAPTION_HEIGHT}; {@link #GAP} around and between everything. So the picture is
 * {@code cols*cell + (cols+1)*GAP} wide and {@code TITLE_HEIGHT + rows*(cellHeight + CAPTION_HEIGHT + GAP) + GAP}
 * high, with {@code cellHeight = round(cell * (crop.h * H) / (crop.w * W))} for the W x H image of the first panel
 * (every panel is drawn into the same cell, whatever its resolution).
 */
public final class FigureGrid {
    public static final int GAP = 8;
    public static final int TITLE_HEIGHT = 28;
    public static final int CAPTION_HEIGHT = 22;

    /** One cell: column title, the image (RGB CHW in [0,1]), its detections, its PSNR against HR (null: none, e.g. HR itself). */
    public record Panel(String title, Image image, List<DetectionBox> detections, Double psnr) {}

    /** One test image across methods; every row has the same columns. */
    public record Row(String imageId, List<Panel> panels) {}

    /** The part of every image shown, as fractions of its width and height. */
    public record Crop(double x, double y, double w, double h) {
        public static final Crop WHOLE = new Crop(0, 0, 1, 1);

        public Crop {
            if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > 1 + 1e-9 || y + h > 1 + 1e-9) {
                throw new IllegalArgumentException("figure crop: expected fractions with 0 <= x, y and x+w, y+h <= 1,"
                        + " got " + x + ", " + y + ", " + w + ", " + h);
            }
        }
    }

    private final int cell;
    private final double minScore;

    /** @param cell cell width in pixels; @param minScore detections below this score are not drawn. */
    public FigureGrid(int cell, double minScore) {
        if (cell < 16) {
            throw new IllegalArgumentException("figure grid: cell width must be at least 16 pixels, got " + cell);
        }
        this.cell = cell;
        this.minScore = minScore;
    }

    public BufferedImage render(List<Row> rows, Crop crop) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("figure grid: no rows");
        }
        int cols = rows.get(0).panels().size();
        for (Row r : rows) {
            if (r.panels().size() != cols) {
                throw new IllegalArgumentException("figure grid: row " + r.imageId() + " has " + r.panels().size()
                        + " panels, the first row has " + cols);
            }
        }
        Image first = rows.get(0).panels().get(0).image();
        int cellH = (int) Math.round(cell * (crop.h() * first.height()) / (crop.w() * first.width()));
        int width = cols * cell + (cols + 1) * GAP;
        int height = TITLE_HEIGHT + rows.size() * (cellH + CAPTION_HEIGHT + GAP) + GAP;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            Map<String, Color> colours = colours(rows);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.setColor(Color.BLACK);
            for (int c = 0; c < cols; c++) {
                centred(g, rows.get(0).panels().get(c).title(), GAP + c * (cell + GAP), cell, TITLE_HEIGHT - 8);
            }
            for (int r = 0; r < rows.size(); r++) {
                int top = TITLE_HEIGHT + r * (cellH + CAPTION_HEIGHT + GAP);
                for (int c = 0; c < cols; c++) {
                    int left = GAP + c * (cell + GAP);
                    Panel p = rows.get(r).panels().get(c);
                    drawCell(g, p, crop, left, top, cellH, colours);
                    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
                    g.setColor(Color.DARK_GRAY);
                    String caption = p.psnr() == null ? "PSNR –" : String.format(Locale.ROOT, "PSNR %.2f dB",
                            p.psnr());
                    if (c == 0) {
                        caption = rows.get(r).imageId() + "  " + caption;
                    }
                    centred(g, caption, left, cell, top + cellH + CAPTION_HEIGHT - 6);
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    public void write(List<Row> rows, Crop crop, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(render(rows, crop), "png", file.toFile())) {
            throw new IOException(file + ": no PNG writer available");
        }
    }

    private void drawCell(Graphics2D g, Panel p, Crop crop, int left, int top, int cellH, Map<String, Color> colours) {
        Image im = p.image();
        double sx0 = crop.x() * im.width();
        double sy0 = crop.y() * im.height();
        double sw = crop.w() * im.width();
        double sh = crop.h() * im.height();
        BufferedImage src = Image.Rgb8.of(im).toBufferedImage();
        Graphics2D cg = (Graphics2D) g.create(left, top, cell, cellH);
        try {
            // nearest when enlarging (LR's pixels stay visible, as in the paper's figures), bilinear when shrinking
            boolean enlarging = cell > sw;
            cg.setRenderingHint(RenderingHints.KEY_INTERPOLATION, enlarging
                    ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            cg.drawImage(src, 0, 0, cell, cellH, (int) Math.round(sx0), (int) Math.round(sy0),
                    (int) Math.round(sx0 + sw), (int) Math.round(sy0 + sh), null);
            cg.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            cg.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            cg.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            FontMetrics fm = cg.getFontMetrics();
            double kx = cell / sw;
            double ky = cellH / sh;
            for (DetectionBox d : p.detections()) {
                if (d.score() < minScore) {
                    continue;
                }
                int x1 = (int) Math.round((d.x1() - sx0) * kx);
                int y1 = (int) Math.round((d.y1() - sy0) * ky);
                int x2 = (int) Math.round((d.x2() - sx0) * kx);
                int y2 = (int) Math.round((d.y2() - sy0) * ky);
                Color col = colours.get(d.className());
                cg.setColor(col);
                cg.setStroke(new BasicStroke(2f));
                cg.drawRect(x1, y1, Math.max(1, x2 - x1), Math.max(1, y2 - y1));
                String label = String.format(Locale.ROOT, "%s %.2f", d.className(), d.score());
                int tw = fm.stringWidth(label) + 6;
                int th = fm.getHeight();
                int ly = y1 - th >= 0 ? y1 - th : Math.max(0, y1); // above the box, inside when at the top edge
                ly = Math.min(ly, cellH - th);
                int lx = labelX(x1, tw, cell); // a box that leaves the crop keeps its whole label inside it
                cg.fillRect(lx, ly, tw, th);
                cg.setColor(textOn(col));
                cg.drawString(label, lx + 3, ly + fm.getAscent());
            }
        } finally {
            cg.dispose();
        }
        g.setColor(new Color(0xB0B0B0));
        g.drawRect(left - 1, top - 1, cell + 1, cellH + 1);
    }

    /** One colour per class, fixed by the class's rank among the names in the figure (so the same in every cell). */
    static Map<String, Color> colours(List<Row> rows) {
        TreeSet<String> names = new TreeSet<>();
        rows.forEach(r -> r.panels().forEach(p -> p.detections().forEach(d -> names.add(d.className()))));
        Map<String, Color> out = new TreeMap<>();
        int i = 0;
        for (String n : names) {
            float hue = (float) ((i++ * 0.618033988749895) % 1.0); // golden-ratio steps spread hues evenly
            out.put(n, Color.getHSBColor(hue, 0.85f, 0.9f));
        }
        return out;
    }

    private static Color textOn(Color bg) {
        double luma = 0.299 * bg.getRed() + 0.587 * bg.getGreen() + 0.114 * bg.getBlue();
        return luma > 150 ? Color.BLACK : Color.WHITE;
    }

    private static void centred(Graphics2D g, String text, int left, int width, int baseline) {
        FontMetrics fm = g.getFontMetrics();
        g.drawString(text, left + Math.max(0, (width - fm.stringWidth(text)) / 2), baseline);
    }

    /** Left edge of a label {@code width} wide for a box starting at {@code x1}, kept inside a cell {@code cell} wide. */
    static int labelX(int x1, int width, int cell) {
        return Math.max(0, Math.min(x1, cell - width));
    }
}
