package dev.tdsr.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.tdsr.data.LoadSummary.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads COCO instance annotations ({@code annotations/instances_<split>.json} and the folder {@code <split>/}) with a
 * streaming parser: segmentations are skipped without being built, so the 450 MB train2017 file needs memory only
 * for boxes. Category ids (1..90 with gaps in COCO) become contiguous indices in ascending id order;
 * {@link ClassList#id(int)} maps back. Boxes {@code [x, y, w, h]} become {@code (x, y, x+w, y+h)}; {@code area} and
 * {@code iscrowd} are kept. Images keep file order; images without annotations are kept (see
 * {@link Dataset#nonEmpty()}).
 */
public final class CocoReader {
    /** Boxes may overhang the image by this much (COCO's float boxes sometimes do by rounding). */
    private static final double EDGE_SLACK = 1.0;

    private final ClassList classes;
    private final BadInputPolicy policy;

    /** {@code classes} null: take the file's categories. Otherwise categories are matched by name. */
    public CocoReader(ClassList classes, BadInputPolicy policy) {
        this.classes = classes;
        this.policy = policy;
    }

    public CocoReader(BadInputPolicy policy) {
        this(null, policy);
    }

    /** Reads {@code root/annotations/instances_<split>.json} with images in {@code root/<split>/}. */
    public Dataset read(Path root, String split) throws IOException {
        return read(root.resolve("annotations").resolve("instances_" + split + ".json"), root.resolve(split));
    }

    private record RawImage(long id, String fileName, int width, int height) {}

    private record RawAnnotation(long imageId, int categoryId, double[] bbox, double area, boolean crowd, int index) {}

    public Dataset read(Path json, Path imageDir) throws IOException {
        if (!Files.isRegularFile(json)) {
            throw new IOException(json + ": COCO annotation file not found (expected annotations/instances_<split>.json)");
        }
        LoadSummary summary = new LoadSummary(policy);
        List<RawImage> images = new ArrayList<>();
        List<RawAnnotation> annotations = new ArrayList<>();
        Map<Integer, String> categories = new TreeMap<>();
        try (JsonParser p = new JsonFactory().createParser(json.toFile())) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, json, "top level");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "images" -> readArray(p, json, field, summary, i -> images.add(readImage(p, json, i)));
                    case "annotations" -> readArray(p, json, field, summary,
                            i -> annotations.add(readAnnotation(p, json, i)));
                    case "categories" -> readArray(p, json, field, summary, i -> readCategory(p, json, i, categories));
                    default -> p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            summary.report(Problem.MALFORMED_ANNOTATION, json + ": malformed JSON at line "
                    + e.getLocation().getLineNr() + " (" + e.getOriginalMessage() + ")", e);
            return emptyDataset(json, summary);
        } catch (DatasetFormatException e) { // the top level is not the expected object of arrays
            summary.report(e.problem(), e.getMessage(), e);
            return emptyDataset(json, summary);
        }
        ClassList cls = classes != null ? classes : ClassList.withIds(List.copyOf(categories.values()),
                categories.keySet().stream().mapToInt(Integer::intValue).toArray());
        return assemble(json, imageDir, cls, images, annotations, categories, summary);
    }

    private Dataset emptyDataset(Path json, LoadSummary summary) {
        return new Dataset("coco-" + json.getFileName(), classes == null ? ClassList.of(List.of()) : classes,
                List.of(), summary);
    }

    private Dataset assemble(Path json, Path imageDir, ClassList cls, List<RawImage> images,
                             List<RawAnnotation> annotations, Map<Integer, String> categories, LoadSummary summary) {
        Map<Long, RawImage> byId = new LinkedHashMap<>();
        Map<Long, List<ObjectAnnotation>> objects = new LinkedHashMap<>();
        for (RawImage im : images) {
            byId.put(im.id, im);
            objects.put(im.id, new ArrayList<>());
        }
        for (RawAnnotation a : annotations) {
            String where = json + ": annotations[" + a.index + "]";
            RawImage im = byId.get(a.imageId);
            if (im == null) {
                summary.report(Problem.MALFORMED_ANNOTATION, where + "/image_id " + a.imageId + " names no image");
                continue;
            }
            String name = categories.get(a.categoryId);
            int index = name == null ? -1 : classes == null ? cls.indexOfId(a.categoryId) : cls.indexOf(name);
            if (index < 0) {
                summary.report(Problem.UNKNOWN_CLASS, where + "/category_id " + a.categoryId
                        + (name == null ? " is not in categories" : " ('" + name + "') is not one of " + cls));
                continue;
            }
            double[] b = a.bbox;
            if (!(Double.isFinite(b[0]) && Double.isFinite(b[1]) && Double.isFinite(b[2]) && Double.isFinite(b[3])
                    && Double.isFinite(a.area))) {
                summary.report(Problem.MALFORMED_ANNOTATION, where + "/bbox [" + b[0] + "," + b[1] + "," + b[2] + ","
                        + b[3] + "] or area " + a.area + " is not finite");
                continue;
            }
            if (b[2] <= 0 || b[3] <= 0) {
                summary.report(Problem.ZERO_AREA_BOX, where + "/bbox [" + b[0] + "," + b[1] + "," + b[2] + ","
                        + b[3] + "] has zero area (expected w > 0, h > 0)");
                continue;
            }
            if (b[0] < -EDGE_SLACK || b[1] < -EDGE_SLACK || b[0] + b[2] > im.width + EDGE_SLACK
                    || b[1] + b[3] > im.height + EDGE_SLACK) {
                summary.report(Problem.BOX_OUTSIDE_IMAGE, where + "/bbox [" + b[0] + "," + b[1] + "," + b[2] + ","
                        + b[3] + "] is outside image " + im.id + " of " + im.width + "x" + im.height);
                continue;
            }
            Box box = new Box(b[0], b[1], b[0] + b[2], b[1] + b[3]);
            double area = a.area >= 0 ? a.area : box.area();
            objects.get(a.imageId).add(new ObjectAnnotation(box, index, cls.name(index), false, false, a.crowd, area));
        }
        List<Sample> samples = new ArrayList<>();
        for (RawImage im : images) {
            Path file = imageDir.resolve(im.fileName);
            if (!Files.isRegularFile(file)) {
                summary.report(Problem.MISSING_IMAGE, json + ": image " + im.id + " file_name " + file + " not found");
                continue;
            }
            samples.add(new Sample(Long.toString(im.id), file, im.width, im.height, objects.get(im.id)));
        }
        return new Dataset("coco-" + imageDir.getFileName(), cls, samples, summary);
    }

    private interface ElementReader {
        void read(int index) throws IOException;
    }

    /** Reads each object of an array; a bad element is reported (and skipped under SKIP) after it was consumed. */
    private static void readArray(JsonParser p, Path json, String field, LoadSummary summary, ElementReader r)
            throws IOException {
        expect(p, p.currentToken(), JsonToken.START_ARRAY, json, field);
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            try {
                if (p.currentToken() != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    expect(p, p.currentToken(), JsonToken.START_OBJECT, json, field + "[" + i + "]");
                }
                r.read(i);
            } catch (DatasetFormatException e) {
                summary.report(e.problem(), e.getMessage(), e);
            }
        }
    }

    private static RawImage readImage(JsonParser p, Path json, int i) throws IOException {
        long id = -1;
        String file = null;
        int w = -1;
        int h = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "id" -> id = p.getValueAsLong(-1);
                case "file_name" -> file = p.getValueAsString();
                case "width" -> w = p.getValueAsInt(-1);
                case "height" -> h = p.getValueAsInt(-1);
                default -> skip(p, t);
            }
        }
        String where = "images[" + i + "]";
        require(id >= 0, json, where + "/id", "a non-negative integer");
        require(file != null, json, where + "/file_name", "a string");
        require(w > 0 && h > 0, json, where + "/width,height", "positive integers");
        return new RawImage(id, file, w, h);
    }

    private static RawAnnotation readAnnotation(JsonParser p, Path json, int i) throws IOException {
        long imageId = -1;
        int cat = -1;
        double[] bbox = null;
        double area = -1;
        boolean crowd = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "image_id" -> imageId = p.getValueAsLong(-1);
                case "category_id" -> cat = p.getValueAsInt(-1);
                case "area" -> area = p.getValueAsDouble(-1);
                case "iscrowd" -> crowd = p.getValueAsInt(0) != 0;
                case "bbox" -> bbox = readBox(p);
                default -> skip(p, t); // segmentation: skipped token by token, never built
            }
        }
        String where = "annotations[" + i + "]";
        require(imageId >= 0, json, where + "/image_id", "a non-negative integer");
        require(cat >= 0, json, where + "/category_id", "a non-negative integer");
        require(bbox != null && bbox.length == 4, json, where + "/bbox", "4 numbers [x, y, w, h]");
        return new RawAnnotation(imageId, cat, bbox, area, crowd, i);
    }

    /** The numbers of a bbox array, or null when it is not an array of numbers (checked by the caller). */
    private static double[] readBox(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        List<Double> b = new ArrayList<>();
        boolean numeric = true;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            numeric &= t.isNumeric();
            b.add(t.isNumeric() ? p.getDoubleValue() : Double.NaN);
            p.skipChildren();
        }
        return numeric ? b.stream().mapToDouble(Double::doubleValue).toArray() : null;
    }

    private static void readCategory(JsonParser p, Path json, int i, Map<Integer, String> out) throws IOException {
        int id = -1;
        String name = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "id" -> id = p.getValueAsInt(-1);
                case "name" -> name = p.getValueAsString();
                default -> skip(p, t);
            }
        }
        require(id >= 0 && name != null, json, "categories[" + i + "]/id,name", "an integer id and a name");
        out.put(id, name);
    }

    private static void skip(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
            p.skipChildren();
        }
    }

    private static void expect(JsonParser p, JsonToken got, JsonToken want, Path json, String where) {
        if (got != want) {
            throw new DatasetFormatException(Problem.MALFORMED_ANNOTATION, json + ": " + where + " at line "
                    + p.currentLocation().getLineNr() + " must be " + (want == JsonToken.START_ARRAY ? "an array"
                    : "an object") + ", got " + got);
        }
    }

    private static void require(boolean ok, Path json, String field, String expected) {
        if (!ok) {
            throw new DatasetFormatException(Problem.MALFORMED_ANNOTATION, json + ": field " + field
                    + " missing or invalid (expected " + expected + ")");
        }
    }
}
