package dev.tdsr.data;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * A generated detection dataset, the built-in default of {@code train}: textured backgrounds with objects whose class
 * is a (shape, texture) pair, e.g. disc with dots, square with stripes, triangle with checker. The texture's period
 * grows with the object, as detail does in photographs: 3 pixels on the smallest objects up to 16 on the largest, so
 * a 4x LR keeps a blurred trace of it on large objects, an 8x LR almost none, and only the (blurred) shape is left.
 * Objects span 7% to 75% of the image side (log-uniform, mostly large as in VOC); small ones shrink to a few LR
 * pixels. Detection is therefore easy at HR, harder at 4x and hard at 8x.
 *
 * <p>Each image depends only on (seed, index). Objects are drawn largest first so small ones sit on top; occlusion is
 * measured on the final pixels. The box is the extent of an object's visible pixels. An object is {@code difficult}
 * when less than 35% of its in-image pixels are visible or its visible box is under 5% of the image side, dropped when
 * its visible box is under 2 pixels, {@code truncated} when its shape crosses the image border.
 *
 * <p>Files: VOC layout {@code VOC2007/{JPEGImages,Annotations,ImageSets/Main}} with ids {@code 000000...}, the
 * class masks {@code SegmentationClass/<id>.png} (see {@link Rendered}) with {@code ImageSets/Segmentation}, and the
 * class names in {@code classes.txt} (read by {@link Datasets#open}); every
 * fifth image (index % 5 == 4) is in {@code test}, the rest in {@code trainval} (train: index % 5 in 0..2, val: 3).
 * COCO layout {@code annotations/instances_{train2017,val2017}.json} with {@code train2017/} (= trainval) and
 * {@code val2017/} (= test), image ids index+1, category ids class+1. COCO has no difficult flag: difficult objects
 * are written with {@code iscrowd: 1} so that COCOeval ignores them as VOC ignores difficult ones, and the loader
 * drops them for training in both layouts.
 */
public final class SyntheticDataset {
    /** File layout to write. */
    public enum Layout {
        VOC,
        COCO
    }

    private static final String[] SHAPES = {"disc", "square", "triangle", "ring", "cross", "ellipse"};
    private static final String[] TEXTURES = {"dots", "stripes", "checker", "grid", "waves", "speckle"};
    /** Every (shape, texture) pair is a possible class. */
    public static final int MAX_CLASSES = 36; // SHAPES.length * TEXTURES.length
    /** The largest image side (a 4096 x 4096 image is 48 MiB as 8-bit RGB, 192 MiB while rendered as floats). */
    public static final int MAX_SIZE = 4096;
    public static final int DEFAULT_CLASSES = 6;

    private final int size;
    private final int classes;
    private final long seed;

    public SyntheticDataset(int size, int classes, long seed) {
        if (size < 32 || size > MAX_SIZE || classes < 1 || classes > MAX_CLASSES) {
            throw new IllegalArgumentException("synthetic dataset: need size 32.." + MAX_SIZE + " and 1.."
                    + MAX_CLASSES + " classes, got size " + size + ", classes " + classes);
        }
        this.size = size;
        this.classes = classes;
        this.seed = seed;
    }

    /** Class k: shape k % 6, texture (k + k / 6) % 6, so the first six differ in both; named "shape-texture". */
    public static ClassList classList(int classes) {
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add(SHAPES[k % 6] + "-" + TEXTURES[(k + k / 6) % 6]);
        }
        return ClassList.of(names);
    }

    /**
     * One generated image, its objects (boxes in pixels, integer edges) and its class mask: the same pixels as the
     * boxes' (segmentation class = detection class + 1, 0 background, 255 on the boundary band).
     */
    public record Rendered(Image.Rgb8 image, List<ObjectAnnotation> objects, SegmentationMask mask) {}

    /**
     * The boundary band's half-width in pixels: a pixel is 255 when a pixel of another owner (object or background)
     * lies within this Chebyshev distance. VOC's band is about 5 px on 500 px images; 1 here gives a band 2 px wide
     * (one pixel each side of every outline), thin enough to keep small objects' interiors at 75x75 and up.
     */
    public static final int BOUNDARY_RADIUS = 1;

    private record Shape(int cls, double cx, double cy, double a, double b, int period, float[] fg, float[] tex,
                         int phase) {
        /** Top-left and bottom-right pixel bounds (inclusive-exclusive), unclipped. */
        int left() {
            return (int) Math.floor(cx - a);
        }

        int right() {
            return (int) Math.ceil(cx + a);
        }

        int top() {
            return (int) Math.floor(cy - b);
        }

        int bottom() {
            return (int) Math.ceil(cy + b);
        }
    }

    /** Renders image {@code index}. */
    public Rendered render(int index) {
        SplittableRandom rng = Seeds.random(seed, index);
        float[] pix = new float[3 * size * size];
        background(pix, rng);
        int count = 1 + rng.nextInt(5);
        List<Shape> shapes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            shapes.add(randomShape(rng));
        }
        shapes.sort(Comparator.comparingDouble((Shape s) -> -s.a * s.b)); // largest first, small ones on top
        int[] owner = new int[size * size];
        Arrays.fill(owner, -1);
        int[] inImage = new int[count];
        boolean[] truncated = new boolean[count];
        for (int i = 0; i < count; i++) {
            Shape s = shapes.get(i);
            truncated[i] = s.left() < 0 || s.top() < 0 || s.right() > size || s.bottom() > size;
            for (int y = Math.max(0, s.top()); y < Math.min(size, s.bottom()); y++) {
                for (int x = Math.max(0, s.left()); x < Math.min(size, s.right()); x++) {
                    if (inside(s, x + 0.5, y + 0.5)) {
                        owner[y * size + x] = i;
                        inImage[i]++;
                        float[] c = texture(s, x, y) ? s.tex : s.fg;
                        for (int ch = 0; ch < 3; ch++) {
                            pix[(ch * size + y) * size + x] = c[ch];
                        }
                    }
                }
            }
        }
        addNoise(pix, rng);
        return new Rendered(toRgb8(pix), annotate(shapes, owner, inImage, truncated), mask(shapes, owner));
    }

    /** The class of each pixel's owner (+1; 0 where none), 255 where another owner is within the band. */
    private SegmentationMask mask(List<Shape> shapes, int[] owner) {
        byte[] labels = new byte[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int o = owner[y * size + x];
                boolean edge = false;
                for (int dy = -BOUNDARY_RADIUS; dy <= BOUNDARY_RADIUS && !edge; dy++) {
                    for (int dx = -BOUNDARY_RADIUS; dx <= BOUNDARY_RADIUS && !edge; dx++) {
                        int yy = y + dy;
                        int xx = x + dx;
                        edge = yy >= 0 && yy < size && xx >= 0 && xx < size && owner[yy * size + xx] != o;
                    }
                }
                labels[y * size + x] = (byte) (edge ? SegmentationMask.IGNORE : o < 0 ? 0 : shapes.get(o).cls + 1);
            }
        }
        return new SegmentationMask(size, size, labels);
    }

    private List<ObjectAnnotation> annotate(List<Shape> shapes, int[] owner, int[] inImage, boolean[] truncated) {
        int n = shapes.size();
        int[] minX = new int[n];
        int[] minY = new int[n];
        int[] maxX = new int[n];
        int[] maxY = new int[n];
        int[] visible = new int[n];
        Arrays.fill(minX, Integer.MAX_VALUE);
        Arrays.fill(minY, Integer.MAX_VALUE);
        Arrays.fill(maxX, -1);
        Arrays.fill(maxY, -1);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int o = owner[y * size + x];
                if (o >= 0) {
                    visible[o]++;
                    minX[o] = Math.min(minX[o], x);
                    minY[o] = Math.min(minY[o], y);
                    maxX[o] = Math.max(maxX[o], x);
                    maxY[o] = Math.max(maxY[o], y);
                }
            }
        }
        ClassList names = classList(classes);
        List<ObjectAnnotation> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int w = maxX[i] - minX[i] + 1;
            int h = maxY[i] - minY[i] + 1;
            if (visible[i] == 0 || w < 2 || h < 2) {
                continue;
            }
            boolean difficult = visible[i] < 0.35 * inImage[i] || Math.max(w, h) < 0.05 * size;
            Box box = new Box(minX[i], minY[i], maxX[i] + 1, maxY[i] + 1);
            int cls = shapes.get(i).cls;
            out.add(new ObjectAnnotation(box, cls, names.name(cls), difficult, truncated[i], false, visible[i]));
        }
        return out;
    }

    private Shape randomShape(SplittableRandom rng) {
        int cls = rng.nextInt(classes);
        int shape = cls % 6;
        // 7%..75% of the side, log-uniform: mostly large objects as in VOC, where the median spans about a quarter
        double extent = size * Math.exp(Math.log(0.07) + rng.nextDouble() * Math.log(0.75 / 0.07));
        double aspect = switch (shape) {
            case 2 -> 0.8 + 0.45 * rng.nextDouble();
            case 5 -> (2 + 0.5 * rng.nextDouble());
            default -> 0.85 + 0.3 * rng.nextDouble();
        };
        if (shape == 5 && rng.nextInt(2) == 1) {
            aspect = 1 / aspect;
        }
        // aspect = width / height; the longer side spans `extent`
        double a = aspect >= 1 ? extent / 2 : extent / 2 * aspect;
        double b = aspect >= 1 ? extent / 2 / aspect : extent / 2;
        double cx = rng.nextDouble() * size;
        double cy = rng.nextDouble() * size;
        float[] fg = new float[3];
        float[] tex = new float[3];
        for (int c = 0; c < 3; c++) {
            fg[c] = (float) (0.45 + 0.55 * rng.nextDouble());
            tex[c] = fg[c] * (float) (0.15 + 0.2 * rng.nextDouble()); // darker twin: strong texture contrast
        }
        // texture period grows with the object (as detail does in photographs): 3 px on the smallest objects,
        // up to 16 px on the largest, so 4x keeps some of it on large objects and 8x almost none
        int period = (int) Math.max(3, Math.min(16, Math.round(extent / (7 + 3 * rng.nextDouble()))));
        return new Shape(cls, cx, cy, a, b, period, fg, tex, rng.nextInt(1 << 20));
    }

    private static boolean inside(Shape s, double px, double py) {
        double u = (px - s.cx) / s.a;
        double v = (py - s.cy) / s.b;
        return switch (s.cls % 6) {
            case 0, 5 -> u * u + v * v <= 1;
            case 1 -> Math.abs(u) <= 1 && Math.abs(v) <= 1;
            case 2 -> v >= -1 && v <= 1 && Math.abs(u) <= (v + 1) / 2; // apex up
            case 3 -> {
                double r2 = u * u + v * v;
                yield r2 <= 1 && r2 >= 0.3;
            }
            default -> (Math.abs(u) <= 0.3 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 1);
        };
    }

    /** True where the texture colour shows; in pixels relative to the object's top-left, period s.period. */
    private static boolean texture(Shape s, int x, int y) {
        int p = s.period;
        int dx = x - s.left();
        int dy = y - s.top();
        int half = Math.max(1, p / 2);
        int line = Math.max(1, p / 3);
        return switch ((s.cls + s.cls / 6) % 6) {
            case 0 -> { // dots: a disc of radius 0.3p in every cell
                double ox = Math.floorMod(dx, p) + 0.5 - p / 2.0;
                double oy = Math.floorMod(dy, p) + 0.5 - p / 2.0;
                yield ox * ox + oy * oy < 0.12 * p * p;
            }
            case 1 -> Math.floorMod(dx + dy, p) < (p + 1) / 2; // diagonal stripes
            case 2 -> ((dx / half) + (dy / half)) % 2 == 0; // checker of half-period cells
            case 3 -> dx % p < line || dy % p < line; // grid lines a third of the period wide
            case 4 -> Math.sin(2 * Math.PI * dy / p + 1.5 * Math.sin(2 * Math.PI * dx / (4.0 * p))) > 0; // waves
            default -> (Seeds.mix(s.phase * 0x100000001L + (long) (dy / half) * 4099 + dx / half) & 3) == 0; // speckle
        };
    }

    /** Noise blobs, stripes or a gradient in muted colours. */
    private void background(float[] pix, SplittableRandom rng) {
        int kind = rng.nextInt(3);
        float[] c0 = new float[3];
        float[] c1 = new float[3];
        for (int c = 0; c < 3; c++) {
            c0[c] = (float) (0.15 + 0.6 * rng.nextDouble());
            c1[c] = (float) (0.15 + 0.6 * rng.nextDouble());
        }
        double angle = rng.nextDouble() * Math.PI;
        double period = size * (0.05 + 0.2 * rng.nextDouble()); // coarser than any object texture
        int grid = 4 + rng.nextInt(6);
        double[] knots = new double[(grid + 1) * (grid + 1)];
        for (int i = 0; i < knots.length; i++) {
            knots[i] = rng.nextDouble();
        }
        double ca = Math.cos(angle);
        double sa = Math.sin(angle);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double t = switch (kind) {
                    case 0 -> 0.5 + 0.5 * Math.sin(2 * Math.PI * (x * ca + y * sa) / period);
                    case 1 -> (x * ca + y * sa) / (size * (Math.abs(ca) + Math.abs(sa)));
                    default -> bilinear(knots, grid, (double) x / size * grid, (double) y / size * grid);
                };
                t = Math.min(1, Math.max(0, t));
                for (int c = 0; c < 3; c++) {
                    pix[(c * size + y) * size + x] = (float) (c0[c] + t * (c1[c] - c0[c]));
                }
            }
        }
    }

    private static double bilinear(double[] knots, int grid, double gx, double gy) {
        int ix = Math.min(grid - 1, (int) gx);
        int iy = Math.min(grid - 1, (int) gy);
        double fx = gx - ix;
        double fy = gy - iy;
        int w = grid + 1;
        double top = knots[iy * w + ix] * (1 - fx) + knots[iy * w + ix + 1] * fx;
        double bot = knots[(iy + 1) * w + ix] * (1 - fx) + knots[(iy + 1) * w + ix + 1] * fx;
        return top * (1 - fy) + bot * fy;
    }

    private static void addNoise(float[] pix, SplittableRandom rng) {
        for (int i = 0; i < pix.length; i++) {
            pix[i] += (float) (0.02 * rng.nextGaussian());
        }
    }

    private Image.Rgb8 toRgb8(float[] pix) {
        return Image.Rgb8.of(new Image(size, size, pix));
    }

    /** Whether image {@code index} belongs to the test split. */
    public static boolean isTest(int index) {
        return index % 5 == 4;
    }

    /** Writes {@code images} images and their annotations under {@code out} in the given layout. */
    public void write(Path out, Layout layout, int images) throws IOException {
        if (images < 1) {
            throw new IllegalArgumentException("synthetic dataset: --images must be >= 1, got " + images);
        }
        // every image is rendered (8-bit RGB and its 8-bit mask) before the files are written, plus a float image
        // per worker
        long needed = (long) images * 4 * size * size + (long) ForkJoinPool.getCommonPoolParallelism() * 16 * size * size;
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (needed > available) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "synthetic dataset: %d images of %dx%d need "
                    + "about %.1f GiB of Java heap, but %.1f GiB is available (-Xmx); write fewer or smaller images, "
                    + "or raise -Xmx", images, size, size, needed / (double) (1L << 30), available / (double) (1L << 30)));
        }
        List<Rendered> rendered = IntStream.range(0, images).parallel().mapToObj(this::render).toList();
        if (layout == Layout.VOC) {
            writeVoc(out.resolve("VOC2007"), rendered);
            Files.writeString(out.resolve("classes.txt"), String.join("\n", classList(classes).names()) + "\n");
        } else {
            writeCoco(out, rendered, "train2017", false);
            writeCoco(out, rendered, "val2017", true);
        }
    }

    private void writeVoc(Path dir, List<Rendered> rendered) throws IOException {
        Path jpeg = Files.createDirectories(dir.resolve("JPEGImages"));
        Path ann = Files.createDirectories(dir.resolve("Annotations"));
        Path sets = Files.createDirectories(dir.resolve("ImageSets").resolve("Main"));
        Path masks = Files.createDirectories(dir.resolve("SegmentationClass"));
        Path segSets = Files.createDirectories(dir.resolve("ImageSets").resolve("Segmentation"));
        StringBuilder train = new StringBuilder();
        StringBuilder val = new StringBuilder();
        StringBuilder trainval = new StringBuilder();
        StringBuilder test = new StringBuilder();
        for (int i = 0; i < rendered.size(); i++) {
            String id = String.format("%06d", i);
            rendered.get(i).image().write(jpeg.resolve(id + ".jpg"));
            rendered.get(i).mask().write(masks.resolve(id + ".png"));
            Files.writeString(ann.resolve(id + ".xml"), vocXml(id, rendered.get(i).objects()), StandardCharsets.UTF_8);
            String line = id + "\n";
            if (isTest(i)) {
                test.append(line);
            } else {
                trainval.append(line);
                (i % 5 == 3 ? val : train).append(line);
            }
        }
        Files.writeString(sets.resolve("train.txt"), train);
        Files.writeString(sets.resolve("val.txt"), val);
        Files.writeString(sets.resolve("trainval.txt"), trainval);
        Files.writeString(sets.resolve("test.txt"), test);
        // every image is segmented, so the segmentation sets are the detection sets (VOC's are a subset)
        for (String set : List.of("train", "val", "trainval", "test")) {
            Files.copy(sets.resolve(set + ".txt"), segSets.resolve(set + ".txt"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** VOC XML: 1-based inclusive pixel coordinates (xmin = x1 + 1, xmax = x2 for a box [x1, x2)). */
    private String vocXml(String id, List<ObjectAnnotation> objects) {
        StringBuilder s = new StringBuilder("<annotation>\n\t<folder>VOC2007</folder>\n\t<filename>").append(id)
                .append(".jpg</filename>\n\t<source>\n\t\t<database>tdsr-native synthetic</database>\n\t</source>\n")
                .append("\t<size>\n\t\t<width>").append(size).append("</width>\n\t\t<height>").append(size)
                .append("</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>1</segmented>\n");
        for (ObjectAnnotation o : objects) {
            Box b = o.box();
            s.append("\t<object>\n\t\t<name>").append(o.className()).append("</name>\n\t\t<pose>Unspecified</pose>\n")
                    .append("\t\t<truncated>").append(o.truncated() ? 1 : 0).append("</truncated>\n")
                    .append("\t\t<difficult>").append(o.difficult() ? 1 : 0).append("</difficult>\n")
                    .append("\t\t<bndbox>\n\t\t\t<xmin>").append((int) b.x1() + 1).append("</xmin>\n\t\t\t<ymin>")
                    .append((int) b.y1() + 1).append("</ymin>\n\t\t\t<xmax>").append((int) b.x2())
                    .append("</xmax>\n\t\t\t<ymax>").append((int) b.y2()).append("</ymax>\n\t\t</bndbox>\n")
                    .append("\t</object>\n");
        }
        return s.append("</annotation>\n").toString();
    }

    private void writeCoco(Path root, List<Rendered> rendered, String split, boolean test) throws IOException {
        Path images = Files.createDirectories(root.resolve(split));
        Path json = Files.createDirectories(root.resolve("annotations")).resolve("instances_" + split + ".json");
        ClassList names = classList(classes);
        try (JsonGenerator g = new JsonFactory().createGenerator(json.toFile(), JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeObjectFieldStart("info");
            g.writeStringField("description", "tdsr-native synthetic shapes, seed " + seed);
            g.writeEndObject();
            g.writeArrayFieldStart("images");
            for (int i = 0; i < rendered.size(); i++) {
                if (isTest(i) == test) {
                    String file = String.format("%012d.jpg", i + 1);
                    rendered.get(i).image().write(images.resolve(file));
                    g.writeStartObject();
                    g.writeNumberField("id", i + 1);
                    g.writeStringField("file_name", file);
                    g.writeNumberField("width", size);
                    g.writeNumberField("height", size);
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeArrayFieldStart("annotations");
            int annId = 1;
            for (int i = 0; i < rendered.size(); i++) {
                if (isTest(i) != test) {
                    continue;
                }
                for (ObjectAnnotation o : rendered.get(i).objects()) {
                    Box b = o.box();
                    g.writeStartObject();
                    g.writeNumberField("id", annId++);
                    g.writeNumberField("image_id", i + 1);
                    g.writeNumberField("category_id", names.id(o.classIndex()));
                    g.writeArrayFieldStart("bbox");
                    g.writeNumber((int) b.x1());
                    g.writeNumber((int) b.y1());
                    g.writeNumber((int) b.width());
                    g.writeNumber((int) b.height());
                    g.writeEndArray();
                    g.writeNumberField("area", (int) o.area());
                    g.writeNumberField("iscrowd", o.difficult() ? 1 : 0);
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeArrayFieldStart("categories");
            for (int k = 0; k < names.size(); k++) {
                g.writeStartObject();
                g.writeNumberField("id", names.id(k));
                g.writeStringField("name", names.name(k));
                g.writeStringField("supercategory", "shape");
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }
}
