package dev.tdsr.eval;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the fields COCO bbox evaluation needs from an instances file ({@code images[].id}, {@code categories[].id},
 * {@code annotations[]} id, image_id, category_id, bbox, area, iscrowd) and from a results file (an array of
 * {@code {image_id, category_id, bbox, score}}). Arrays are streamed one element at a time, so segmentation polygons
 * never sit in memory all at once.
 */
public final class CocoJson {
    private CocoJson() {}

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * The ground truth, validated as the training readers validate theirs: {@code images}, {@code categories} and
     * {@code annotations} must be present, ids unique within each, every annotation on a listed image and category,
     * box widths, heights and areas non-negative, image sizes (when given) positive. Each error names the file, the element and its line.
     */
    public static CocoEvaluator.GroundTruth readGroundTruth(Path file) throws IOException {
        List<Long> images = new ArrayList<>();
        List<Long> categories = new ArrayList<>();
        List<CocoEvaluator.Annotation> annotations = new ArrayList<>();
        List<At> annotationAt = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<Long> imageIds = new HashSet<>();
        Set<Long> categoryIds = new HashSet<>();
        try (JsonParser p = MAPPER.createParser(file.toFile())) {
            expect(p, p.nextToken() == JsonToken.START_OBJECT, file, "the top level", "an object with images, categories, annotations");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "images" -> forEach(p, file, field, (n, at) -> {
                        for (String side : List.of("width", "height")) { // optional in pycocotools, positive when given
                            if (n.has(side) && integer(n, side, file, at) <= 0) {
                                throw new IllegalArgumentException(file + ": " + at + "." + side + ": expected a positive "
                                        + "number of pixels, got " + n.get(side));
                            }
                        }
                        images.add(unique(integer(n, "id", file, at), imageIds, file, at));
                    });
                    case "categories" -> forEach(p, file, field, (n, at) -> categories.add(unique(integer(n, "id", file, at), categoryIds, file, at)));
                    case "annotations" -> forEach(p, file, field, (n, at) -> {
                        double[] b = bbox(n, file, at);
                        JsonNode crowd = n.get("iscrowd");
                        // a missing iscrowd is taken as 0 (pycocotools would fail on it)
                        boolean isCrowd = crowd != null && !crowd.isNull() && (crowd.isBoolean() ? crowd.asBoolean() : number(n, "iscrowd", file, at) != 0);
                        double area = number(n, "area", file, at);
                        if (b[2] < 0 || b[3] < 0 || area < 0) {
                            throw new IllegalArgumentException(file + ": " + at + ": negative size (bbox width/height "
                                    + b[2] + ", " + b[3] + ", area " + area + "); expected >= 0");
                        }
                        annotations.add(new CocoEvaluator.Annotation(integer(n, "id", file, at), integer(n, "image_id", file, at),
                                integer(n, "category_id", file, at), b[0], b[1], b[2], b[3], area, isCrowd));
                        annotationAt.add(at);
                    });
                    default -> p.skipChildren();
                }
                seen.add(field);
            }
        } catch (JsonProcessingException e) {
            throw malformed(file, e);
        }
        for (String required : List.of("images", "categories", "annotations")) {
            if (!seen.contains(required)) {
                throw new IllegalArgumentException(file + ": no '" + required + "' array (a COCO instances file has "
                        + "images, categories and annotations; a results file goes to --dets)");
            }
        }
        Set<Long> annotationIds = new HashSet<>();
        for (int i = 0; i < annotations.size(); i++) {
            CocoEvaluator.Annotation a = annotations.get(i);
            At at = annotationAt.get(i);
            if (!annotationIds.add(a.id())) {
                throw new IllegalArgumentException(file + ": " + at + ".id: " + a.id() + " is used twice");
            }
            if (!imageIds.contains(a.imageId())) {
                throw new IllegalArgumentException(file + ": " + at + ".image_id: " + a.imageId() + " is not in images");
            }
            if (!categoryIds.contains(a.categoryId())) {
                throw new IllegalArgumentException(file + ": " + at + ".category_id: " + a.categoryId()
                        + " is not in categories");
            }
        }
        return new CocoEvaluator.GroundTruth(images, categories, annotations);
    }

    /** {@code id}, added to {@code seen}; an id seen before is an error. */
    private static long unique(long id, Set<Long> seen, Path file, At at) {
        if (!seen.add(id)) {
            throw new IllegalArgumentException(file + ": " + at + ".id: " + id + " is used twice");
        }
        return id;
    }

    public static List<CocoEvaluator.Detection> readDetections(Path file) throws IOException {
        List<CocoEvaluator.Detection> dets = new ArrayList<>();
        try (JsonParser p = MAPPER.createParser(file.toFile())) {
            p.nextToken();
            forEach(p, file, "the top level", (n, at) -> {
                double[] b = bbox(n, file, at);
                dets.add(new CocoEvaluator.Detection(integer(n, "image_id", file, at), integer(n, "category_id", file, at),
                        b[0], b[1], b[2], b[3], number(n, "score", file, at)));
            });
        } catch (JsonProcessingException e) {
            throw malformed(file, e);
        }
        return dets;
    }

    /** Where an element sits, for messages: {@code annotations[12] (line 40)}. */
    private record At(String where, int line) {
        @Override
        public String toString() {
            return where + " (line " + line + ")";
        }
    }

    private interface ElementReader {
        void read(JsonNode element, At at);
    }

    /** Calls {@code reader} for each object of the array the parser is on. */
    private static void forEach(JsonParser p, Path file, String field, ElementReader reader) throws IOException {
        expect(p, p.currentToken() == JsonToken.START_ARRAY, file, field, "an array of objects");
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            int line = p.currentTokenLocation().getLineNr();
            JsonNode n = p.readValueAsTree();
            At at = new At((field.equals("the top level") ? "" : field) + "[" + i + "]", line);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(file + ": " + at + ": expected an object");
            }
            reader.read(n, at);
            i++;
        }
    }

    private static void expect(JsonParser p, boolean ok, Path file, String where, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(file + ": " + where + " (line " + p.currentTokenLocation().getLineNr() + "): expected " + expected);
        }
    }

    private static long integer(JsonNode n, String key, Path file, At at) {
        JsonNode v = n.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException(file + ": " + at + "." + key + ": expected an integer, got " + v);
        }
        return v.asLong();
    }

    private static double number(JsonNode n, String key, Path file, At at) {
        JsonNode v = n.get(key);
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new IllegalArgumentException(file + ": " + at + "." + key + ": expected a number, got " + v);
        }
        return v.asDouble();
    }

    private static double[] bbox(JsonNode n, Path file, At at) {
        JsonNode v = n.get("bbox");
        boolean ok = v != null && v.isArray() && v.size() == 4;
        double[] b = new double[4];
        for (int k = 0; ok && k < 4; k++) {
            ok = v.get(k).isNumber() && Double.isFinite(v.get(k).asDouble());
            b[k] = v.get(k).asDouble();
        }
        if (!ok) {
            throw new IllegalArgumentException(file + ": " + at + ".bbox: expected [x, y, width, height] (4 numbers), got " + v);
        }
        return b;
    }

    private static IllegalArgumentException malformed(Path file, JsonProcessingException e) {
        int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        return new IllegalArgumentException(file + ":" + line + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
}
