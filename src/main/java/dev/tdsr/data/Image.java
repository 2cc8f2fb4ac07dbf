package dev.tdsr.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/**
 * An RGB image as planar float CHW in [0,1] (the engine's NCHW layout for one image): value of channel c at (x, y)
 * is {@code data[(c * height + y) * width + x]}. Pixel arithmetic in this package may leave [0,1] on purpose.
 */
public record Image(int width, int height, float[] data) {
    public Image {
        if (width <= 0 || height <= 0 || data.length != 3 * width * height) {
            throw new IllegalArgumentException("image: need width, height > 0 and 3*w*h values, got " + width + "x"
                    + height + " with " + data.length);
        }
    }

    public static Image blank(int width, int height) {
        return new Image(width, height, new float[3 * width * height]);
    }

    public float get(int c, int x, int y) {
        return data[(c * height + y) * width + x];
    }

    public void set(int c, int x, int y, float v) {
        data[(c * height + y) * width + x] = v;
    }

    /** The image mirrored left-right (augmentation's flip). */
    public Image mirrored() {
        float[] out = new float[data.length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < height; y++) {
                int row = (c * height + y) * width;
                for (int x = 0; x < width; x++) {
                    out[row + x] = data[row + width - 1 - x];
                }
            }
        }
        return new Image(width, height, out);
    }

    public Image copy() {
        return new Image(width, height, data.clone());
    }

    /** Decodes a JPEG/PNG/... file; throws an IOException naming the file when it is not a readable image. */
    public static Image read(Path file) throws IOException {
        return Rgb8.read(file).toImage();
    }

    /**
     * Decodes a JPEG/PNG file at the precision it stores: a 16-bit PNG gives values k/65535, an 8-bit file k/255
     * (the same floats as {@link #read}); an alpha plane is dropped. For LR images read from files, which must
     * reach the network as they are.
     */
    public static Image readFullPrecision(Path file) throws IOException {
        Planes p = Planes.of(decode(file));
        return new Image(p.width(), p.height(), p.rgb());
    }

    /**
     * An image at its stored precision as planar RGB in [0,1] (CHW), plus the alpha plane when the source had one.
     *
     * <p>Component images in an RGB or grey colour space (8- or 16-bit, e.g. 16-bit PNG) are read sample by sample
     * and divided by the sample maximum, grey replicated to R, G and B (the values as stored, as PIL's
     * {@code convert('RGB')}); everything else (packed RGB/ARGB, indexed, and whatever ImageIO decodes CMYK or other
     * colour spaces to) goes through {@link BufferedImage#getRGB}, i.e. Java's conversion to 8-bit sRGB. Alpha is
     * kept non-premultiplied.
     */
    public record Planes(int width, int height, float[] rgb, float[] alpha) {
        public static Planes of(BufferedImage bi) {
            int w = bi.getWidth();
            int h = bi.getHeight();
            int n = w * h;
            float[] rgb = new float[3 * n];
            ColorModel cm = bi.getColorModel();
            float[] alpha = cm.hasAlpha() ? new float[n] : null;
            int type = cm.getColorSpace().getType();
            boolean direct = cm instanceof ComponentColorModel && !cm.isAlphaPremultiplied()
                    && (type == ColorSpace.TYPE_RGB || type == ColorSpace.TYPE_GRAY)
                    && (cm.getTransferType() == DataBuffer.TYPE_BYTE || cm.getTransferType() == DataBuffer.TYPE_USHORT);
            if (direct) {
                Raster r = bi.getRaster();
                int colours = cm.getNumColorComponents();
                float[] max = new float[cm.getNumComponents()];
                for (int b = 0; b < max.length; b++) {
                    max[b] = (1 << cm.getComponentSize(b)) - 1;
                }
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int i = y * w + x;
                        for (int c = 0; c < 3; c++) {
                            int band = colours == 1 ? 0 : c;
                            rgb[c * n + i] = r.getSample(x, y, band) / max[band];
                        }
                        if (alpha != null) {
                            alpha[i] = r.getSample(x, y, colours) / max[colours];
                        }
                    }
                }
            } else {
                int[] row = new int[w];
                for (int y = 0; y < h; y++) {
                    bi.getRGB(0, y, w, 1, row, 0, w);
                    for (int x = 0; x < w; x++) {
                        int p = row[x];
                        int i = y * w + x;
                        rgb[i] = ((p >> 16) & 0xff) / 255f;
                        rgb[n + i] = ((p >> 8) & 0xff) / 255f;
                        rgb[2 * n + i] = (p & 0xff) / 255f;
                        if (alpha != null) {
                            alpha[i] = (p >>> 24) / 255f;
                        }
                    }
                }
            }
            return new Planes(w, h, rgb, alpha);
        }
    }

    /** Writes as JPEG (quality 0.95) or PNG by the file's extension; values are clipped to [0,1] and rounded. */
    public void write(Path file) throws IOException {
        Rgb8.of(this).write(file);
    }

    /**
     * Decodes a JPEG or PNG file, naming the file when ImageIO cannot read it. A decoder warning (a truncated or
     * corrupt stream, which ImageIO otherwise fills with grey and returns) is an error here: the one decoder that
     * {@code sr}, {@code detect}, the datasets and the test bench use never hands back a partly decoded image.
     */
    public static BufferedImage decode(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + (Files.isDirectory(file) ? ": is a directory, not an image" : ": no such file"));
        }
        BufferedImage bi;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException(file + ": cannot open image");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException(file + ": not a readable image (expected JPEG or PNG)");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            try {
                reader.setInput(in, true, true);
                checkDecodable(file, reader.getWidth(0), reader.getHeight(0));
                bi = reader.read(0, reader.getDefaultReadParam());
            } finally {
                reader.dispose();
            }
            if (!warnings.isEmpty()) {
                throw new IOException(file + ": corrupt or truncated image (" + warnings.get(0) + ")");
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IOException(file + ": cannot decode image (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            throw new IOException(file + ": cannot decode image (" + e.getMessage() + ")", e);
        }
        if (bi == null) {
            throw new IOException(file + ": not a readable image (expected JPEG or PNG)");
        }
        return bi;
    }

    /**
     * Width and height from a JPEG/PNG header without decoding the body (cheap checks of a whole dataset); null when
     * the file is not a readable image.
     */
    public static int[] headerSize(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return null;
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in);
                return new int[] {r.getWidth(0), r.getHeight(0)};
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A header whose size the heap cannot decode (a crafted PNG can claim 2^31 x 2^31) is an error, not an OOM. */
    private static void checkDecodable(Path file, int width, int height) throws IOException {
        long pixels = (long) width * height;
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (width < 1 || height < 1 || pixels > Integer.MAX_VALUE / 4 || 8 * pixels > free) {
            throw new IOException(String.format(Locale.ROOT, "%s: a %dx%d image needs about %.1f GiB of Java heap to "
                    + "decode, more than the %.1f GiB free (-Xmx)", file, width, height, 8.0 * pixels / (1L << 30),
                    free / (double) (1L << 30)));
        }
    }

    /**
     * An 8-bit interleaved RGB image: the decoded form kept in caches (a quarter of the float size) and the form
     * files are written from.
     */
    public record Rgb8(int width, int height, byte[] rgb) {
        public static Rgb8 read(Path file) throws IOException {
            return of(decode(file));
        }

        public static Rgb8 of(BufferedImage bi) {
            int w = bi.getWidth();
            int h = bi.getHeight();
            byte[] out = new byte[3 * w * h];
            if (bi.getType() == BufferedImage.TYPE_3BYTE_BGR) { // what the JPEG decoder gives: swap in place
                byte[] bgr = ((DataBufferByte) bi.getRaster().getDataBuffer()).getData();
                for (int i = 0; i < out.length; i += 3) {
                    out[i] = bgr[i + 2];
                    out[i + 1] = bgr[i + 1];
                    out[i + 2] = bgr[i];
                }
            } else {
                int[] row = new int[w];
                for (int y = 0; y < h; y++) {
                    bi.getRGB(0, y, w, 1, row, 0, w);
                    for (int x = 0; x < w; x++) {
                        int p = row[x];
                        int o = 3 * (y * w + x);
                        out[o] = (byte) (p >> 16);
                        out[o + 1] = (byte) (p >> 8);
                        out[o + 2] = (byte) p;
                    }
                }
            }
            return new Rgb8(w, h, out);
        }

        /** Clips to [0,1] and rounds to the nearest of 256 levels. */
        public static Rgb8 of(Image im) {
            int n = im.width * im.height;
            byte[] out = new byte[3 * n];
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < n; i++) {
                    float v = im.data[c * n + i];
                    out[3 * i + c] = (byte) Math.round(Math.min(1f, Math.max(0f, v)) * 255f);
                }
            }
            return new Rgb8(im.width, im.height, out);
        }

        public Image toImage() {
            int n = width * height;
            float[] d = new float[3 * n];
            for (int i = 0; i < n; i++) {
                d[i] = (rgb[3 * i] & 0xff) / 255f;
                d[n + i] = (rgb[3 * i + 1] & 0xff) / 255f;
                d[2 * n + i] = (rgb[3 * i + 2] & 0xff) / 255f;
            }
            return new Image(width, height, d);
        }

        public BufferedImage toBufferedImage() {
            BufferedImage bi = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            byte[] bgr = ((DataBufferByte) bi.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < bgr.length; i += 3) {
                bgr[i] = rgb[i + 2];
                bgr[i + 1] = rgb[i + 1];
                bgr[i + 2] = rgb[i];
            }
            return bi;
        }

        public void write(Path file) throws IOException {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            boolean jpeg = name.endsWith(".jpg") || name.endsWith(".jpeg");
            if (!jpeg && !name.endsWith(".png")) {
                throw new IllegalArgumentException(file + ": image file name must end in .jpg, .jpeg or .png");
            }
            ImageWriter writer = ImageIO.getImageWritersByFormatName(jpeg ? "jpeg" : "png").next();
            try (OutputStream os = Files.newOutputStream(file);
                 ImageOutputStream ios = ImageIO.createImageOutputStream(os)) {
                writer.setOutput(ios);
                ImageWriteParam param = writer.getDefaultWriteParam();
                if (jpeg) {
                    param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                    param.setCompressionQuality(0.95f);
                }
                writer.write(null, new IIOImage(toBufferedImage(), null, null), param);
            } finally {
                writer.dispose();
            }
        }
    }
}
