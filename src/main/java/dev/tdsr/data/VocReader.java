package dev.tdsr.data;

import dev.tdsr.data.LoadSummary.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * Reads the PASCAL VOC devkit layout: {@code VOC<year>/ImageSets/Main/<set>.txt} lists image ids,
 * {@code Annotations/<id>.xml} holds size and objects, {@code JPEGImages/<id>.jpg} the image. {@code root} is the
 * {@code VOCdevkit} folder or its parent. Several years are read as one union (07+12 trainval: years 2007 and 2012,
 * set trainval; 16,551 images).
 *
 * <p>Boxes: the XML's 1-based inclusive pixel coordinates minus 1 on all four values, as ssd.pytorch does
 * ({@code (x-1)/W} before normalising), so the XML value is {@code box + 1}. A box is outside the image when
 * {@code xmin < 1}, {@code ymin < 1}, {@code xmax > width} or {@code ymax > height}; it has zero area when
 * {@code xmax <= xmin} or {@code ymax <= ymin}. Difficult objects are kept with their flag; the loader drops them
 * for training.
 */
public final class VocReader {
    private final ClassList classes;
    private final BadInputPolicy policy;

    public VocReader(ClassList classes, BadInputPolicy policy) {
        this.classes = classes;
        this.policy = policy;
    }

    /** The 20 standard VOC classes. */
    public VocReader(BadInputPolicy policy) {
        this(ClassList.VOC, policy);
    }

    /** Reads image set {@code set} (train, val, trainval, test) of each year, in the order given. */
    public Dataset read(Path root, String set, String... years) throws IOException {
        if (years.length == 0) {
            throw new IllegalArgumentException("VOC: give at least one year (e.g. 2007)");
        }
        LoadSummary summary = new LoadSummary(policy);
        List<Sample> samples = new ArrayList<>();
        DocumentBuilder xml = newSecureBuilder();
        for (String year : years) {
            Path dir = yearDir(root, year);
            Path list = dir.resolve("ImageSets").resolve("Main").resolve(set + ".txt");
            if (!Files.isRegularFile(list)) {
                throw new IOException(list + ": image set file not found (expected VOC devkit layout "
                        + "VOC<year>/ImageSets/Main/<set>.txt)");
            }
            for (String line : dev.tdsr.io.TextFiles.readLines(list, "an image set (one image id per line)")) {
                String id = line.strip();
                if (!id.isEmpty()) {
                    Sample s = readOne(xml, dir, id.split("\\s+")[0], summary);
                    if (s != null) {
                        samples.add(s);
                    }
                }
            }
        }
        return new Dataset("voc" + String.join("+", years) + "-" + set, classes, samples, summary);
    }

    /** {@code root/VOC<year>} or {@code root/VOCdevkit/VOC<year>}, whichever exists. */
    public static Path yearDir(Path root, String year) throws IOException {
        for (Path p : List.of(root.resolve("VOC" + year), root.resolve("VOCdevkit").resolve("VOC" + year))) {
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new IOException(root + ": no VOC" + year + " folder here or under VOCdevkit/");
    }

    private Sample readOne(DocumentBuilder xml, Path dir, String id, LoadSummary summary) {
        Path file = dir.resolve("Annotations").resolve(id + ".xml");
        Element root;
        try {
            Document doc = xml.parse(file.toFile());
            root = doc.getDocumentElement();
        } catch (IOException | SAXException e) {
            summary.report(Problem.MALFORMED_ANNOTATION, file + ": cannot parse XML (" + e.getMessage() + ")", e);
            return null;
        }
        try {
            Element size = child(root, "size", file);
            int width = (int) number(size, "width", file);
            int height = (int) number(size, "height", file);
            if (width <= 0 || height <= 0) {
                throw new DatasetFormatException(Problem.MALFORMED_ANNOTATION,
                        file + ": field size/width,height must be positive, got " + width + "x" + height);
            }
            Path image = dir.resolve("JPEGImages").resolve(id + ".jpg");
            if (!Files.isRegularFile(image)) {
                summary.report(Problem.MISSING_IMAGE, file + ": image " + image + " not found");
                return null;
            }
            List<ObjectAnnotation> objects = new ArrayList<>();
            int k = 0;
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals("object")) {
                    ObjectAnnotation o = readObject(e, file, "object[" + k++ + "]", width, height, summary);
                    if (o != null) {
                        objects.add(o);
                    }
                }
            }
            return new Sample(id, image, width, height, objects);
        } catch (DatasetFormatException e) {
            summary.report(e.problem(), e.getMessage(), e);
            return null;
        }
    }

    private ObjectAnnotation readObject(Element obj, Path file, String where, int width, int height,
                                        LoadSummary summary) {
        String name = text(obj, "name", file).strip();
        int cls = classes.indexOf(name);
        if (cls < 0) {
            summary.report(Problem.UNKNOWN_CLASS, file + ": " + where + "/name '" + name + "' is not one of "
                    + classes);
            return null;
        }
        boolean difficult = optionalFlag(obj, "difficult", file);
        boolean truncated = optionalFlag(obj, "truncated", file);
        Element bb = child(obj, "bndbox", file);
        double xmin = number(bb, "xmin", file);
        double ymin = number(bb, "ymin", file);
        double xmax = number(bb, "xmax", file);
        double ymax = number(bb, "ymax", file);
        String coords = "(" + xmin + "," + ymin + "," + xmax + "," + ymax + ")";
        if (xmax <= xmin || ymax <= ymin) {
            summary.report(Problem.ZERO_AREA_BOX, file + ": " + where + "/bndbox " + coords
                    + " has zero area (expected xmin < xmax, ymin < ymax)");
            return null;
        }
        if (xmin < 1 || ymin < 1 || xmax > width || ymax > height) {
            summary.report(Problem.BOX_OUTSIDE_IMAGE, file + ": " + where + "/bndbox " + coords
                    + " is outside the image 1.." + width + " x 1.." + height);
            return null;
        }
        Box box = new Box(xmin - 1, ymin - 1, xmax - 1, ymax - 1);
        return new ObjectAnnotation(box, cls, name, difficult, truncated, false, box.area());
    }

    private static DocumentBuilder newSecureBuilder() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            // Annotation files are data: no DTDs, no external entities, no XInclude.
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null); // errors arrive as exceptions, not stderr noise
            return b;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("JDK XML parser lacks secure features", e);
        }
    }

    private static Element child(Element parent, String tag, Path file) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        throw new DatasetFormatException(Problem.MALFORMED_ANNOTATION,
                file + ": missing element <" + tag + "> in <" + parent.getTagName() + ">");
    }

    private static String text(Element parent, String tag, Path file) {
        return child(parent, tag, file).getTextContent();
    }

    private static double number(Element parent, String tag, Path file) {
        String s = text(parent, tag, file).strip();
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new DatasetFormatException(Problem.MALFORMED_ANNOTATION,
                    file + ": field " + parent.getTagName() + "/" + tag + " = '" + s + "' is not a number");
        }
        if (!Double.isFinite(v)) { // NaN passes every comparison below; Infinity and 1e999 are no pixel either
            throw new DatasetFormatException(Problem.MALFORMED_ANNOTATION,
                    file + ": field " + parent.getTagName() + "/" + tag + " = '" + s + "' is not a finite number");
        }
        return v;
    }

    /** 0/1 flag that may be absent (absent = 0, as the devkit reads it). */
    private static boolean optionalFlag(Element parent, String tag, Path file) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return number(parent, tag, file) != 0;
            }
        }
        return false;
    }
}
