package dev.tdsr.eval;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Reads what VOC evaluation needs from a devkit folder ({@code Annotations/<id>.xml}, {@code ImageSets/Main/<set>.txt})
 * and a folder of result files {@code comp4_det_<set>_<class>.txt} with lines {@code image_id score x1 y1 x2 y2}.
 * No image file is opened.
 */
public final class VocDevkit {
    private VocDevkit() {}

    /** Everything {@link VocEvaluator#evaluate} takes. */
    public record Input(List<String> classes, List<VocEvaluator.GtImage> images, List<VocEvaluator.Detection> detections) {}

    /**
     * Loads the set, its annotations and the detection files. Classes come from {@code classesFile} (one name per
     * line) when given (detection files of other classes are then left out: a subset); otherwise they are the sorted
     * annotated class names, and a detection file of a class not among them is an error (a misspelt name would
     * become a class of its own with no AP). A class without a detection file simply has no detections.
     */
    public static Input load(Path devkit, String set, Path detsDir, Path classesFile) throws IOException {
        Path setFile = devkit.resolve("ImageSets").resolve("Main").resolve(set + ".txt");
        if (!Files.isRegularFile(setFile)) {
            throw new IllegalArgumentException(setFile + ": no such file (expected --devkit to hold ImageSets/Main/" + set + ".txt)");
        }
        if (!Files.isDirectory(detsDir)) {
            throw new IllegalArgumentException(detsDir + ": not a folder (expected the folder of comp4_det_" + set + "_<class>.txt files)");
        }
        List<String> ids = readImageSet(setFile);
        List<VocEvaluator.GtImage> images = new ArrayList<>(ids.size());
        for (String id : ids) {
            Path xml = devkit.resolve("Annotations").resolve(id + ".xml");
            if (!Files.isRegularFile(xml)) {
                throw new IllegalArgumentException(xml + ": no such file (image '" + id + "' of " + setFile + " needs its annotation)");
            }
            images.add(readAnnotation(xml, id));
        }
        Map<String, Path> files = detectionFiles(detsDir, set);
        List<String> classes;
        if (classesFile != null) {
            classes = readClassList(classesFile);
        } else {
            TreeSet<String> names = new TreeSet<>();
            images.forEach(im -> im.objects().forEach(o -> names.add(o.className())));
            classes = List.copyOf(names);
        }
        for (Map.Entry<String, Path> f : files.entrySet()) { // a misspelt class would be a new class with NaN AP
            if (classesFile == null && !classes.contains(f.getKey())) {
                throw new IllegalArgumentException(f.getValue() + ": class '" + f.getKey() + "' has no object in "
                        + set + " (a misspelt name?); annotated classes: " + String.join(", ", classes) + ". Give "
                        + "--classes FILE to evaluate a class without objects (or a subset)");
            }
        }
        List<VocEvaluator.Detection> dets = new ArrayList<>();
        for (String c : classes) {
            Path f = files.get(c);
            if (f != null) {
                dets.addAll(readDetections(f, c));
            }
        }
        return new Input(classes, images, dets);
    }

    /** The image ids of {@code ImageSets/Main/<set>.txt}: first token of each non-blank line. */
    public static List<String> readImageSet(Path file) throws IOException {
        List<String> ids = new ArrayList<>();
        for (String line : dev.tdsr.io.TextFiles.readLines(file, "an image set (one image id per line)")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                ids.add(t.split("\\s+")[0]);
            }
        }
        return ids;
    }

    /** One class name per non-blank line. */
    public static List<String> readClassList(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : dev.tdsr.io.TextFiles.readLines(file, "a class list (one class name per line)")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException(file + ": no class names (expected one class name per line)");
        }
        return names;
    }

    /** The result files of {@code set} in {@code dir} by class name ({@code comp<N>_det_<set>_<class>.txt}). */
    static Map<String, Path> detectionFiles(Path dir, String set) throws IOException {
        Pattern name = Pattern.compile("comp\\d+_det_" + Pattern.quote(set) + "_(.+)\\.txt");
        Map<String, Path> files = new LinkedHashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Matcher m = name.matcher(p.getFileName().toString());
                if (m.matches() && files.put(m.group(1), p) != null) {
                    throw new IllegalArgumentException(dir + ": two detection files for class '" + m.group(1) + "'");
                }
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(dir + ": no detection files named comp4_det_" + set + "_<class>.txt");
        }
        return files;
    }

    /** Lines {@code image_id score x1 y1 x2 y2} (blank lines skipped), in file order. */
    public static List<VocEvaluator.Detection> readDetections(Path file, String className) throws IOException {
        List<VocEvaluator.Detection> dets = new ArrayList<>();
        List<String> lines = dev.tdsr.io.TextFiles.readLines(file,
                "VOC detections (lines 'image_id score x1 y1 x2 y2')");
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] t = line.split("\\s+");
            double[] v = new double[5];
            boolean ok = t.length == 6;
            for (int k = 0; ok && k < 5; k++) {
                try {
                    v[k] = Double.parseDouble(t[k + 1]);
                    ok = Double.isFinite(v[k]);
                } catch (NumberFormatException e) {
                    ok = false;
                }
            }
            if (!ok) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected 'image_id score x1 y1 x2 y2' with finite numbers, got '" + line + "'");
            }
            dets.add(new VocEvaluator.Detection(t[0], className, v[0], new VocEvaluator.Box(v[1], v[2], v[3], v[4])));
        }
        return dets;
    }

    /** The objects of one VOC annotation ({@code object/name}, {@code object/difficult}, {@code object/bndbox}). */
    public static VocEvaluator.GtImage readAnnotation(Path file, String imageId) throws IOException {
        Document doc;
        try {
            doc = newBuilder().parse(file.toFile());
        } catch (SAXParseException e) {
            throw new IllegalArgumentException(file + ":" + e.getLineNumber() + ": malformed XML: " + e.getMessage(), e);
        } catch (SAXException e) {
            throw new IllegalArgumentException(file + ": malformed XML: " + e.getMessage(), e);
        }
        Element root = doc.getDocumentElement();
        if (!root.getTagName().equals("annotation")) {
            throw new IllegalArgumentException(file + ": root element <" + root.getTagName() + ">, expected <annotation>");
        }
        Element size = find(root, "size");
        if (size != null) { // voc_eval does not read it; when given it must be an image size
            for (String side : List.of("width", "height")) {
                String s = optionalText(size, side);
                if (s != null && number(s, file + ": size/" + side) <= 0) {
                    throw new IllegalArgumentException(file + ": size/" + side + ": expected a positive number of pixels, "
                            + "got " + s);
                }
            }
        }
        List<VocEvaluator.GtObject> objects = new ArrayList<>();
        NodeList children = root.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element obj && obj.getTagName().equals("object")) {
                String where = file + ": object " + (objects.size() + 1);
                String name = text(obj, "name", where, "a class name");
                String difficult = optionalText(obj, "difficult");
                Element box = child(obj, "bndbox", where, "<bndbox> with xmin, ymin, xmax, ymax");
                double[] c = new double[4];
                String[] tags = {"xmin", "ymin", "xmax", "ymax"};
                for (int k = 0; k < 4; k++) {
                    c[k] = number(text(box, tags[k], where + " bndbox", "a pixel coordinate"), where + " bndbox/" + tags[k]);
                    if (c[k] < 0) {
                        throw new IllegalArgumentException(where + " bndbox/" + tags[k] + ": expected a pixel coordinate "
                                + ">= 0, got " + c[k]);
                    }
                }
                if (c[0] > c[2] || c[1] > c[3]) { // equal is a one-pixel box under the +1 rule
                    throw new IllegalArgumentException(where + " bndbox: expected xmin <= xmax and ymin <= ymax, got ("
                            + c[0] + ", " + c[1] + ", " + c[2] + ", " + c[3] + ")");
                }
                double flag = difficult == null ? 0 : number(difficult, where + " difficult");
                if (flag != 0 && flag != 1) {
                    throw new IllegalArgumentException(where + " difficult: expected 0 or 1, got " + difficult);
                }
                boolean isDifficult = flag == 1;
                objects.add(new VocEvaluator.GtObject(name, new VocEvaluator.Box(c[0], c[1], c[2], c[3]), isDifficult));
            }
        }
        return new VocEvaluator.GtImage(imageId, List.copyOf(objects));
    }

    /** Refuses DOCTYPEs, so no external entity is ever resolved. Built once: the lookup is slow for 5k files. */
    private static final DocumentBuilderFactory XML = secureFactory();

    private static DocumentBuilderFactory secureFactory() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            return f;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK XML parser does not support secure settings", e);
        }
    }

    private static DocumentBuilder newBuilder() {
        try {
            DocumentBuilder b = XML.newDocumentBuilder();
            b.setErrorHandler(null); // errors surface as exceptions, not as stderr noise
            return b;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK XML parser does not support secure settings", e);
        }
    }

    private static Element find(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }

    private static Element child(Element parent, String tag, String where, String expected) {
        Element e = find(parent, tag);
        if (e == null) {
            throw new IllegalArgumentException(where + ": missing <" + tag + "> (expected " + expected + ")");
        }
        return e;
    }

    private static String text(Element parent, String tag, String where, String expected) {
        return child(parent, tag, where, expected).getTextContent().strip();
    }

    private static String optionalText(Element parent, String tag) {
        Element e = find(parent, tag);
        return e == null ? null : e.getTextContent().strip();
    }

    private static double number(String s, String where) {
        try {
            double v = Double.parseDouble(s);
            if (Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(where + ": expected a number, got '" + s + "'");
    }
}
