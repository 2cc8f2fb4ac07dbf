package dev.tdsr.data;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * A per-pixel class mask in the layout of VOC's {@code SegmentationClass}: one palette index per pixel, 0 for
 * background, k for class k (1-based: detection class k-1), {@link #IGNORE} (255) on the boundary band and wherever
 * the label is unknown. Files are 8-bit palette PNGs with VOC's colour map; the indices are read as indices, never as
 * colours.
 */
public record SegmentationMask(int width, int height, byte[] labels) {
    /** VOC's "void" label: skipped by the loss and the evaluation. */
    public static final int IGNORE = 255;

    public SegmentationMask {
        if (width < 1 || height < 1 || labels.length != width * height) {
            throw new IllegalArgumentException("segmentation mask: " + labels.length + " labels for " + width + "x"
                    + height);
        }
    }

    public int get(int x, int y) {
        return labels[y * width + x] & 0xff;
    }

    /** Nearest-neighbour resize (labels must not be blended): pixel centres mapped as in {@link Bicubic}. */
    public SegmentationMask resizeNearest(int w, int h) {
        if (w == width && h == height) {
            return this;
        }
        byte[] out = new byte[w * h];
        for (int y = 0; y < h; y++) {
            int sy = Math.min(height - 1, (int) Math.floor((y + 0.5) * height / h));
            for (int x = 0; x < w; x++) {
                int sx = Math.min(width - 1, (int) Math.floor((x + 0.5) * width / w));
                out[y * w + x] = labels[sy * width + sx];
            }
        }
        return new SegmentationMask(w, h, out);
    }

    /** The mask mirrored left-right (the flip of augmentation). */
    public SegmentationMask mirrored() {
        byte[] out = new byte[labels.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                out[y * width + x] = labels[y * width + width - 1 - x];
            }
        }
        return new SegmentationMask(width, height, out);
    }

    /** VOC's colour map (bitwise interleave of the index, as in the devkit's {@code VOClabelcolormap.m}). */
    public static IndexColorModel vocPalette() {
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            int c = i;
            int rr = 0;
            int gg = 0;
            int bb = 0;
            for (int j = 0; j < 8; j++) {
                rr |= ((c >> 0) & 1) << (7 - j);
                gg |= ((c >> 1) & 1) << (7 - j);
                bb |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            r[i] = (byte) rr;
            g[i] = (byte) gg;
            b[i] = (byte) bb;
        }
        return new IndexColorModel(8, 256, r, g, b);
    }

    /** Writes an 8-bit palette PNG (VOC colour map). */
    public void write(Path file) throws IOException {
        BufferedImage bi = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, vocPalette());
        WritableRaster r = bi.getRaster();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                r.setSample(x, y, 0, labels[y * width + x] & 0xff);
            }
        }
        if (!ImageIO.write(bi, "png", file.toFile())) {
            throw new IOException(file + ": no PNG writer");
        }
    }

    /**
     * Reads a {@code SegmentationClass} PNG: it must be palette-indexed (or 8-bit grey, whose values are the
     * indices), and every index must be a class in {@code 0..classes-1} or 255. Each violation is a one-line
     * {@link DatasetFormatException} naming the file and the expected form.
     */
    public static SegmentationMask read(Path file, int classes) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetFormatException(LoadSummary.Problem.MISSING_IMAGE, file
                    + ": segmentation mask not found (expected SegmentationClass/<id>.png, an 8-bit palette PNG)");
        }
        BufferedImage bi;
        try {
            bi = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            bi = null;
        }
        if (bi == null) {
            throw new DatasetFormatException(LoadSummary.Problem.CORRUPT_IMAGE, file
                    + ": not a readable PNG (expected an 8-bit palette PNG of class indices)");
        }
        boolean indexed = bi.getColorModel() instanceof IndexColorModel;
        boolean grey = bi.getType() == BufferedImage.TYPE_BYTE_GRAY;
        if (!indexed && !grey || bi.getRaster().getNumBands() != 1 || bi.getColorModel().getPixelSize() > 8) {
            throw new DatasetFormatException(LoadSummary.Problem.CORRUPT_IMAGE, file + ": colour model "
                    + bi.getColorModel().getClass().getSimpleName() + " with " + bi.getRaster().getNumBands()
                    + " band(s); expected an 8-bit palette PNG of class indices (VOC SegmentationClass)");
        }
        int w = bi.getWidth();
        int h = bi.getHeight();
        Raster r = bi.getRaster();
        byte[] labels = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = r.getSample(x, y, 0);
                if (v >= classes && v != IGNORE) {
                    throw new DatasetFormatException(LoadSummary.Problem.CORRUPT_IMAGE, file + ": pixel (" + x + ","
                            + y + ") has index " + v + "; expected 0.." + (classes - 1) + " or 255");
                }
                labels[y * w + x] = (byte) v;
            }
        }
        return new SegmentationMask(w, h, labels);
    }
}
