package dev.tdsr.fuzz;

import dev.tdsr.api.TinyModels;
import dev.tdsr.testing.CliRun;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * Issue 17's campaign, re-runnable: malformed inputs of every kind the issue tried (truncated and bit-flipped .pth
 * and safetensors, crafted pickles, zip bombs, broken PNG/JPEG, hostile VOC XML and COCO JSON, bad model.json, study
 * configs and options), each run through the CLI as a user would, and each outcome classified. Every case is
 * malformed by construction, so exit 0 is wrong unless the case says how to tell that the mutation changed nothing
 * the file means (a bit flip inside a safetensors header's padding, say).
 */
final class MalformedInputs {
    enum Outcome {
        /** Exit 2, one line "error: ..." naming the file (or the option) at fault. */
        CLEAN,
        /** Exit 0 where the mutation is shown to leave the input's meaning unchanged. */
        ACCEPTED_UNCHANGED,
        /** A non-zero exit whose message is not one line, or does not name the file or option. */
        UNCLEAR,
        STACK_TRACE,
        /** An exception or error escaping the command (the JVM itself crashing ends the whole run). */
        CRASH,
        HANG,
        /** Exit 0 on input that is wrong. */
        SILENT_WRONG
    }

    /** What tells that an exit-0 run is right after all (null: it never is). */
    interface Unchanged {
        boolean holds() throws Exception;
    }

    record Case(String kind, String name, String named, Unchanged unchanged, String... args) {}

    record Result(Case c, Outcome outcome, String message) {}

    private static final long TIMEOUT_S = 120;

    private final Path dir;
    private final Random random = new Random(17);
    final List<Case> cases = new ArrayList<>();
    private int serial;

    MalformedInputs(Path dir) {
        this.dir = dir;
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve("in").resolve(String.format("%03d-%s", serial++, name));
        Files.createDirectories(f.getParent());
        return Files.write(f, bytes);
    }

    private Path out(String name) {
        return dir.resolve("out").resolve(serial++ + "-" + name);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Cuts at {@code n} points spread over the file (never the whole file). */
    private List<byte[]> truncations(byte[] good, int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Arrays.copyOf(good, (int) ((long) good.length * i / n)));
        }
        return out;
    }

    /** One flipped bit at a random byte of [from, to). */
    private byte[] flip(byte[] good, int from, int to) {
        byte[] b = good.clone();
        b[from + random.nextInt(to - from)] ^= (byte) (1 << random.nextInt(8));
        return b;
    }

    // ---------------------------------------------------------------------------------------------- the cases

    MalformedInputs build() throws Exception {
        Files.createDirectories(dir.resolve("out"));
        Path model = TinyModels.dbpn(dir.resolve("model"), TinyModels.DBPN, 3);
        Path lr = dir.resolve("lr.png");
        ImageIO.write(TinyModels.rgb(20, 15, 1), "png", lr.toFile());
        pth();
        pickles();
        zipBombs();
        safetensors(model, lr);
        modelJson(model, lr);
        images(model);
        vocXml();
        cocoJson();
        studyConfigs();
        options(model, lr);
        return this;
    }

    private void importWeights(String name, byte[] bytes) throws IOException {
        Path f = file(name, bytes);
        cases.add(new Case("pth", name, f.getFileName().toString(), null, "import-weights", "--model", "dbpn",
                "--scale", "4", "--from", f.toString(), "--to", out("imported").toString()));
    }

    private void pth() throws IOException {
        for (String fixture : List.of("small_zip.pth", "small_legacy.pth", "synthetic_v03.pth")) {
            byte[] good = Files.readAllBytes(corpus("pth").resolve(fixture));
            int i = 0;
            for (byte[] b : truncations(good, 20)) {
                importWeights("cut" + i++ + "-" + fixture, b);
            }
            for (int k = 0; k < 20; k++) {
                importWeights("flip" + k + "-" + fixture, flip(good, 0, good.length));
            }
        }
    }

    static Path corpus(String target) {
        return Path.of("src/test/resources/dev/tdsr/fuzz/FileReadersFuzzTestInputs", target);
    }

    /** A zip-format .pth of one {@code archive/data.pkl} entry (and a version file), as torch.save writes it. */
    private static byte[] zipPth(byte[] pickle, int repeatZeros) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle);
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < repeatZeros; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("archive/version"));
            zip.write(ascii("3\n"));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** Pickle text: one byte per char (opcodes and raw bytes above 0x7f included). */
    private static byte[] latin(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] repeat(String s, int n) {
        return ascii(s.repeat(n));
    }

    private void pickles() throws IOException {
        byte[] proto = {(byte) 0x80, 2};
        byte[] stop = ascii(".");
        Map<String, byte[]> crafted = new java.util.LinkedHashMap<>();
        crafted.put("os-system", concat(proto, latin("cos\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R.")));
        crafted.put("builtins-eval", concat(proto, latin("cbuiltins\neval\nX\u0001\u0000\u0000\u00001\u0085R.")));
        crafted.put("subprocess", concat(proto, latin("csubprocess\nPopen\n)R.")));
        crafted.put("deep-lists", concat(proto, repeat("]", 200_000), repeat("a", 199_999), stop));
        crafted.put("deep-marks", concat(proto, repeat("(", 200_000), stop));
        crafted.put("memo-get-unset", concat(proto, latin("h\u00ff."))); // BINGET 255 of an empty memo
        crafted.put("long-binget-huge", concat(proto, latin("j\u00ff\u00ff\u00ff\u007f.")));
        crafted.put("binunicode-2GB", concat(proto, latin("X\u00ff\u00ff\u00ff\u007fabc")));
        crafted.put("binbytes8-huge", concat(latin("\u0080\u0004\u008e\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff"
                + "\u007fx")));
        crafted.put("unknown-opcode", concat(proto, latin("\u00ff.")));
        crafted.put("no-stop", concat(proto, latin("}")));
        crafted.put("empty", new byte[0]);
        crafted.put("stack-underflow", concat(proto, latin("t.")));
        crafted.put("setitems-odd", concat(proto, latin("}(X\u0001\u0000\u0000\u0000au.")));
        crafted.put("not-a-dict", concat(proto, latin("K\u0005.")));
        // {"w": tensor} whose storage (a persistent id) claims 2^40 float elements: nothing may allocate that.
        crafted.put("storage-2^40", concat(proto, latin("}X\u0001\u0000\u0000\u0000wctorch._utils\n_rebuild_tensor_v2\n"
                + "((X\u0007\u0000\u0000\u0000storagectorch\nFloatStorage\nX\u0001\u0000\u0000\u00000X\u0003\u0000"
                + "\u0000\u0000cpu\u008a\u0006\u0000\u0000\u0000\u0000\u0000\u0001tQK\u0000K\u0002\u0085K\u0001\u0085"
                + "\u0089ccollections\nOrderedDict\n)RtRs.")));
        for (Map.Entry<String, byte[]> e : crafted.entrySet()) {
            importWeights("pickle-" + e.getKey() + ".pth", zipPth(e.getValue(), 0));
        }
        // The legacy format starts with a pickle of its own: the same crafted streams as a whole file.
        for (String k : List.of("os-system", "deep-lists", "binunicode-2GB", "unknown-opcode")) {
            importWeights("legacy-pickle-" + k + ".pth", crafted.get(k));
        }
    }

    private void zipBombs() throws IOException {
        // 256 MiB of zeros behind a valid empty-dict pickle: deflates to ~250 KiB.
        importWeights("bomb-data-pkl.pth", zipPth(new byte[] {(byte) 0x80, 2, '}', '.'}, 256));
        // 5000 entries.
        ByteArrayOutputStream many = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(many)) {
            for (int i = 0; i < 5000; i++) {
                zip.putNextEntry(new ZipEntry("archive/data/" + i));
                zip.closeEntry();
            }
        }
        importWeights("bomb-entries.pth", many.toByteArray());
        // A path escaping the archive.
        ByteArrayOutputStream slip = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(slip)) {
            zip.putNextEntry(new ZipEntry("../../../etc/data.pkl"));
            zip.write(new byte[] {(byte) 0x80, 2, '}', '.'});
            zip.closeEntry();
        }
        importWeights("zip-slip.pth", slip.toByteArray());
    }

    private void sr(String kind, String name, Path weights, Path input, Unchanged unchanged) {
        Path named = kind.equals("image") ? input : weights;
        cases.add(new Case(kind, name, named.getFileName().toString(), unchanged, "sr", "--weights",
                weights.toString(), "--input", input.toString(), "--output", out("sr.png").toString(), "--device",
                "cpu", "--threads", "1"));
    }

    /** The reference output of the good model on {@code lr}, to tell a harmless mutation from a silent wrong one. */
    private byte[] reference(Path weights, Path lr) throws IOException {
        Path png = out("reference.png");
        CliRun.Result r = CliRun.run("sr", "--weights", weights.toString(), "--input", lr.toString(), "--output",
                png.toString(), "--device", "cpu", "--threads", "1");
        if (r.code() != 0) {
            throw new IllegalStateException("the reference run failed: " + r.err());
        }
        return Files.readAllBytes(png);
    }

    private void safetensors(Path model, Path lr) throws Exception {
        byte[] bytes = Files.readAllBytes(model.resolve("weights.safetensors"));
        Path folder = dir.resolve("st-model");
        Files.createDirectories(folder);
        Files.copy(model.resolve("model.json"), folder.resolve("model.json"));
        byte[] reference = reference(model, lr);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int i = 0;
        for (byte[] b : truncations(bytes, 20)) {
            safetensorsCase("cut" + i++, folder, b, lr, null);
        }
        for (int k = 0; k < 30; k++) {
            byte[] b = flip(bytes, 0, (int) (8 + headerLength));
            safetensorsCase("header-flip" + k, folder, b, lr, sameOutput(folder, lr, reference));
        }
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(bytes, (int) (8 + headerLength), bytes.length);
        Map<String, String> edits = new java.util.LinkedHashMap<>();
        edits.put("dtype-unknown", header.replaceFirst("\"F32\"", "\"Q7\""));
        edits.put("shape-negative", header.replaceFirst("\"shape\":\\[(\\d+)", "\"shape\":[-$1"));
        edits.put("shape-overflow", header.replaceFirst("\"shape\":\\[(\\d+)", "\"shape\":[9223372036854775807"));
        edits.put("offsets-past-end", header.replaceFirst("\"data_offsets\":\\[(\\d+),(\\d+)\\]",
                "\"data_offsets\":[$1,99999999999]"));
        edits.put("offsets-reversed", header.replaceFirst("\"data_offsets\":\\[(\\d+),(\\d+)\\]",
                "\"data_offsets\":[$2,$1]"));
        edits.put("not-an-object", "[1,2,3]");
        edits.put("truncated-json", header.substring(0, header.length() / 2));
        edits.put("nan-in-json", header.replaceFirst("\"shape\":\\[(\\d+)", "\"shape\":[NaN"));
        for (Map.Entry<String, String> e : edits.entrySet()) {
            byte[] h = ascii(e.getValue());
            byte[] len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array();
            safetensorsCase(e.getKey(), folder, concat(len, h, data), lr, null);
        }
        byte[] huge = bytes.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE / 2);
        safetensorsCase("header-length-huge", folder, huge, lr, null);
        byte[] zero = bytes.clone();
        ByteBuffer.wrap(zero).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0);
        safetensorsCase("header-length-zero", folder, zero, lr, null);
        // Every weight NaN (issue 17 #7): the data section overwritten with 0x7fc00000.
        byte[] nan = bytes.clone();
        ByteBuffer nb = ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN);
        for (int p = (int) (8 + headerLength); p + 4 <= nan.length; p += 4) {
            nb.putInt(p, 0x7fc00000);
        }
        safetensorsCase("weights-nan", folder, nan, lr, null);
    }

    private Unchanged sameOutput(Path folder, Path lr, byte[] reference) {
        return () -> {
            Path png = out("check.png");
            CliRun.Result r = CliRun.run("sr", "--weights", folder.toString(), "--input", lr.toString(), "--output",
                    png.toString(), "--device", "cpu", "--threads", "1");
            return r.code() == 0 && Arrays.equals(reference, Files.readAllBytes(png));
        };
    }

    /** A model folder whose weights.safetensors is {@code bytes}: the folder is reused, each case writes it anew. */
    private void safetensorsCase(String name, Path folder, byte[] bytes, Path lr, Unchanged unchanged)
            throws IOException {
        Path own = dir.resolve("st").resolve(serial++ + "-" + name);
        Files.createDirectories(own);
        Files.copy(folder.resolve("model.json"), own.resolve("model.json"));
        Files.write(own.resolve("weights.safetensors"), bytes);
        cases.add(new Case("safetensors", name, own.getFileName().toString(), unchanged == null ? null : () -> {
            Files.write(folder.resolve("weights.safetensors"), bytes);
            return unchanged.holds();
        }, "sr", "--weights", own.toString(), "--input", lr.toString(), "--output", out("sr.png").toString(),
                "--device", "cpu", "--threads", "1"));
    }

    private void modelJson(Path model, Path lr) throws IOException {
        String good = Files.readString(model.resolve("model.json"));
        Map<String, UnaryOperator<String>> edits = new java.util.LinkedHashMap<>();
        edits.put("empty", s -> "");
        edits.put("array", s -> "[]");
        edits.put("truncated", s -> s.substring(0, s.length() / 2));
        edits.put("unknown-model", s -> s.replaceFirst("\"dbpn\"", "\"resnet\""));
        edits.put("scale-3", s -> s.replaceFirst("\"scale\"\\s*:\\s*4", "\"scale\": 3"));
        edits.put("base-negative", s -> s.replaceFirst("\"base\"\\s*:\\s*(\\d+)", "\"base\": -$1"));
        edits.put("feat-string", s -> s.replaceFirst("\"feat\"\\s*:\\s*(\\d+)", "\"feat\": \"many\""));
        edits.put("stages-fraction", s -> s.replaceFirst("\"stages\"\\s*:\\s*(\\d+)", "\"stages\": 2.5"));
        edits.put("feat-huge", s -> s.replaceFirst("\"feat\"\\s*:\\s*(\\d+)", "\"feat\": 2000000000"));
        edits.put("deep-nesting", s -> "[".repeat(100_000));
        for (Map.Entry<String, UnaryOperator<String>> e : edits.entrySet()) {
            String edited = e.getValue().apply(good);
            if (edited.equals(good)) {
                throw new IllegalStateException("model.json edit " + e.getKey() + " changed nothing: " + good);
            }
            Path own = dir.resolve("mj").resolve(serial++ + "-" + e.getKey());
            Files.createDirectories(own);
            Files.writeString(own.resolve("model.json"), edited);
            Files.copy(model.resolve("weights.safetensors"), own.resolve("weights.safetensors"));
            cases.add(new Case("model.json", e.getKey(), "model.json", null, "sr", "--weights", own.toString(),
                    "--input", lr.toString(), "--output", out("sr.png").toString(), "--device", "cpu"));
        }
    }

    private static byte[] encode(BufferedImage im, String format) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(im, format, b);
        return b.toByteArray();
    }

    private void images(Path model) throws IOException {
        BufferedImage picture = TinyModels.rgb(64, 48, 5);
        for (String format : List.of("png", "jpg")) {
            byte[] good = encode(picture, format);
            int i = 1;
            for (byte[] b : truncations(good, 21)) {
                if (b.length > 0) {
                    sr("image", "cut" + i + "." + format, model, file("cut" + i++ + "." + format, b), null);
                }
            }
        }
        byte[] png = encode(picture, "png");
        Map<String, byte[]> headers = new java.util.LinkedHashMap<>();
        headers.put("png-width-0", pngWithIhdr(png, 0, 48, 8, 2));
        headers.put("png-width-huge", pngWithIhdr(png, Integer.MAX_VALUE, 48, 8, 2));
        headers.put("png-colour-type-9", pngWithIhdr(png, 64, 48, 8, 9));
        headers.put("png-bit-depth-7", pngWithIhdr(png, 64, 48, 7, 2));
        headers.put("png-bad-magic", concat(latin("\u0089PNX"), Arrays.copyOfRange(png, 4, png.length)));
        headers.put("png-no-idat", Arrays.copyOf(png, 33));
        headers.put("empty", new byte[0]);
        headers.put("text", ascii("this is not an image\n"));
        headers.put("jpeg-soi-only", new byte[] {-1, (byte) 0xd8});
        headers.put("jpeg-garbage", concat(new byte[] {-1, (byte) 0xd8, -1, (byte) 0xc0}, repeat("x", 500)));
        for (Map.Entry<String, byte[]> e : headers.entrySet()) {
            sr("image", e.getKey(), model, file(e.getKey() + (e.getKey().startsWith("jpeg") ? ".jpg" : ".png"),
                    e.getValue()), null);
        }
    }

    /** {@code png} with its IHDR rewritten (the CRC recomputed, so only the values are wrong). */
    private static byte[] pngWithIhdr(byte[] png, int w, int h, int depth, int colourType) {
        byte[] b = png.clone();
        ByteBuffer bb = ByteBuffer.wrap(b);
        bb.putInt(16, w).putInt(20, h);
        b[24] = (byte) depth;
        b[25] = (byte) colourType;
        CRC32 crc = new CRC32();
        crc.update(b, 12, 17);
        bb.putInt(29, (int) crc.getValue());
        return b;
    }

    private void vocXml() throws IOException {
        String ok = "<annotation><filename>%s.jpg</filename><size><width>80</width><height>60</height><depth>3</depth>"
                + "</size><object><name>cat</name><difficult>0</difficult><bndbox><xmin>10</xmin><ymin>12</ymin>"
                + "<xmax>50</xmax><ymax>40</ymax></bndbox></object></annotation>";
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("xxe", "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + ok.replace("<name>cat</name>", "<name>&x;</name>"));
        bad.put("billion-laughs", "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY l \"lol\"><!ENTITY l2 \"&l;&l;&l;&l;"
                + "&l;&l;&l;&l;&l;&l;\"><!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\"><!ENTITY l4 \"&l3;&l3;"
                + "&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;\">]>" + ok.replace("<name>cat</name>", "<name>&l4;</name>"));
        bad.put("deep-nesting", "<a>".repeat(50_000));
        bad.put("truncated", ok.substring(0, ok.length() / 2));
        bad.put("empty", "");
        bad.put("binary", "\u0000\u0001\u0002garbage");
        bad.put("not-annotation", "<html><body/></html>");
        for (String field : List.of("xmin", "ymin", "xmax", "ymax")) {
            for (String v : List.of("NaN", "Infinity", "-Infinity", "abc", "", "-5")) {
                bad.put(field + "=" + (v.isEmpty() ? "empty" : v), ok.replaceFirst("<" + field + ">\\d+</" + field
                        + ">", "<" + field + ">" + v + "</" + field + ">"));
            }
        }
        bad.put("xmin>xmax", ok.replace("<xmin>10</xmin>", "<xmin>60</xmin>"));
        bad.put("no-bndbox", ok.replaceFirst("<bndbox>.*</bndbox>", ""));
        bad.put("no-name", ok.replace("<name>cat</name>", ""));
        bad.put("size-negative", ok.replace("<width>80</width>", "<width>-80</width>"));
        bad.put("difficult-7", ok.replace("<difficult>0</difficult>", "<difficult>7</difficult>"));
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Path devkit = dir.resolve("voc").resolve(serial++ + "-" + e.getKey().replaceAll("[^A-Za-z0-9=>-]", "_"));
            Files.createDirectories(devkit.resolve("Annotations"));
            Files.createDirectories(devkit.resolve("ImageSets/Main"));
            Files.writeString(devkit.resolve("ImageSets/Main/test.txt"), "000001\n000002\n");
            Files.writeString(devkit.resolve("Annotations/000001.xml"), String.format(ok, "000001"));
            Files.writeString(devkit.resolve("Annotations/000002.xml"), e.getValue().contains("%s")
                    ? String.format(e.getValue(), "000002") : e.getValue());
            Path dets = devkit.resolve("dets");
            Files.createDirectories(dets);
            Files.writeString(dets.resolve("comp4_det_test_cat.txt"), "000001 0.9 10 12 50 40\n000002 0.8 10 12 50 40\n");
            cases.add(new Case("voc-xml", e.getKey(), "000002.xml", null, "eval-detections", "--format", "voc",
                    "--devkit", devkit.toString(), "--dets", dets.toString(), "--classes", classes().toString()));
        }
    }

    private Path classes;

    private Path classes() throws IOException {
        if (classes == null) {
            classes = Files.writeString(dir.resolve("classes.txt"), "cat\ndog\n");
        }
        return classes;
    }

    private void cocoJson() throws IOException {
        String images = "\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 80, \"height\": 60}]";
        String categories = "\"categories\": [{\"id\": 1, \"name\": \"cat\"}]";
        String annotation = "{\"id\": 5, \"image_id\": 1, \"category_id\": 1, \"bbox\": [10, 12, 40, 28], \"area\": 1120, "
                + "\"iscrowd\": 0}";
        String ok = "{" + images + ", \"annotations\": [" + annotation + "], " + categories + "}";
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("empty", "");
        bad.put("array", "[]");
        bad.put("truncated", ok.substring(0, ok.length() / 2));
        bad.put("no-images", "{\"annotations\": [" + annotation + "], " + categories + "}");
        bad.put("no-categories", "{" + images + ", \"annotations\": [" + annotation + "]}");
        bad.put("no-annotations", "{" + images + ", " + categories + "}");
        bad.put("images-not-list", ok.replace(images, "\"images\": 7"));
        bad.put("duplicate-image-id", ok.replace(images, images.replace("}]", "}, {\"id\": 1, \"file_name\": \"b.jpg\", "
                + "\"width\": 80, \"height\": 60}]")));
        bad.put("duplicate-annotation-id", ok.replace(annotation, annotation + ", " + annotation));
        bad.put("unknown-image", ok.replace("\"image_id\": 1", "\"image_id\": 99"));
        bad.put("unknown-category", ok.replace("\"category_id\": 1", "\"category_id\": 99"));
        for (String v : List.of("-40", "NaN", "\"wide\"", "1e400", "null")) {
            bad.put("bbox-w=" + v, ok.replace("[10, 12, 40, 28]", "[10, 12, " + v + ", 28]"));
        }
        bad.put("bbox-3-values", ok.replace("[10, 12, 40, 28]", "[10, 12, 40]"));
        bad.put("bbox-missing", ok.replace("\"bbox\": [10, 12, 40, 28], ", ""));
        bad.put("id-string", ok.replace("\"id\": 5", "\"id\": \"five\""));
        bad.put("width-negative", ok.replace("\"width\": 80", "\"width\": -80"));
        bad.put("deep-nesting", "[".repeat(100_000));
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Path gt = file("coco-" + e.getKey().replaceAll("[^A-Za-z0-9=-]", "_") + ".json", ascii(e.getValue()));
            Path dets = file("coco-dets.json", ascii("[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [10, 12, 40, "
                    + "28], \"score\": 0.9}]"));
            cases.add(new Case("coco-json", e.getKey(), gt.getFileName().toString(), null, "eval-detections",
                    "--format", "coco", "--gt", gt.toString(), "--dets", dets.toString()));
        }
        String goodGt = ok;
        for (String d : List.of("", "{}", "[{\"image_id\": 1}]", "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, "
                + "2, 3, 4], \"score\": \"high\"}]", "[{\"image_id\": 42, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], "
                + "\"score\": 0.5}]", "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, NaN, 4], \"score\": 0.5}]")) {
            Path gt = file("coco-good-gt.json", ascii(goodGt));
            Path dets = file("coco-bad-dets.json", ascii(d));
            cases.add(new Case("coco-json", "dets " + (d.length() > 30 ? d.substring(0, 30) + "..." : d),
                    dets.getFileName().toString(), null, "eval-detections", "--format", "coco", "--gt", gt.toString(),
                    "--dets", dets.toString()));
        }
    }

    private void studyConfigs() throws IOException {
        String good = Files.readString(corpus("studyConfig").resolve("quick.json"));
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        String[][] edits = {
            {"\"seed\": 1", "\"seed\": \"one\""}, {"\"seed\": 1", "\"seed\": 1.5"}, {"\"device\": \"cpu\"", "\"device\": \"tpu\""},
            {"\"device\": \"cpu\"", "\"device\": \"cuda:-1\""}, {"4,\n    8", "4,\n    4"}, {"4,\n    8", "4,\n    3"},
            {"4,\n    8", "4,\n    0"}, {"\"HR\"", "\"HRX\""}, {"\"kind\": \"synthetic\"", "\"kind\": \"imagenet\""},
            {"\"synthetic_images\": 60", "\"synthetic_images\": -60"}, {"\"synthetic_size\": 300", "\"synthetic_size\": 5"},
            {"\"max_test_images\": 12", "\"max_test_images\": -1"}, {"\"input_size\": 300", "\"input_size\": 301.5"},
            {"\"width\": 0.125", "\"width\": -1"}, {"\"num_classes\": 7", "\"num_classes\": 3"},
            {"\"priors\": \"VOC\"", "\"priors\": \"ImageNet\""}, {"\"train_iterations\": 40", "\"train_iterations\": -1"},
            {"\"train_lr\": 0.001", "\"train_lr\": \"fast\""}, {"\"train_batch\": 4", "\"train_batch\": 0"},
            {"\"base\": 8", "\"base\": 8.5"}, {"\"feat\": 16", "\"feat\": 0"}, {"\"stages\": 2", "\"stages\": 0"},
            {"\"residual\": true", "\"residual\": \"yes\""}, {"\"batch_size\": 2", "\"batch_size\": -2"},
            {"\"adam_beta1\": 0.9", "\"adam_beta1\": 5"}, {"\"adam_beta2\": 0.999", "\"adam_beta2\": -0.1"},
            {"\"adam_eps\": 1e-08", "\"adam_eps\": 0"}, {"\"lr_drop_factor\": 0.1", "\"lr_drop_factor\": 0"},
            {"\"sr_ft_schedule\": \"10:1:0\"", "\"sr_ft_schedule\": \"ten\""},
            {"\"tdsr_schedule\": \"10:1:0+20:1:0.01\"", "\"tdsr_schedule\": \"10:1:0+-20:1:0.01\""},
            {"\"log_every\": 10", "\"log_every\": 0"}, {"\"voc_metric\": \"voc_eval\"", "\"voc_metric\": \"map11\""},
            {"\"eval_images\": 6", "\"eval_images\": -6"}, {"\"figure_min_score\": 0.5", "\"figure_min_score\": 1.5"},
            {"\"bootstrap_resamples\": 1000", "\"bootstrap_resamples\": -1"},
            {"\"name\": \"quick\"", "\"name\": \"quick\", \"unknown_key\": 1"},
            {"\"training\": {", "\"training\": {\"lr_typo\": 1,"}, {"\"dataset\": {", "\"dataset\": 5, \"x\": {"},
        };
        for (String[] e : edits) {
            if (!good.contains(e[0])) {
                throw new IllegalStateException("quick.json has no '" + e[0] + "'");
            }
            bad.put(e[1].replace("\n", " ").replaceAll("\\s+", " "), good.replaceFirst(java.util.regex.Pattern.quote(e[0]),
                    java.util.regex.Matcher.quoteReplacement(e[1])));
        }
        bad.put("empty", "");
        bad.put("truncated", good.substring(0, good.length() / 2));
        bad.put("array", "[]");
        bad.put("deep-nesting", "{\"a\":".repeat(100_000));
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Path f = file("study.json", ascii(e.getValue()));
            cases.add(new Case("study-config", e.getKey(), f.getFileName().toString(), null, "train", "--study",
                    f.toString(), "--out", out("study").toString()));
        }
    }

    private void option(String named, String... args) {
        cases.add(new Case("option", String.join(" ", args), named, null, args));
    }

    private void options(Path model, Path lr) throws IOException {
        String m = model.toString();
        String in = lr.toString();
        String o = out("o.png").toString();
        for (String t : List.of("0", "-1", "100000", "5000", "abc", "")) {
            option("--threads", "sr", "--weights", m, "--input", in, "--output", o, "--threads", t);
        }
        for (String[] tile : new String[][] {{"--tile", "0"}, {"--tile", "-5"}, {"--tile", "7"}, {"--tile-overlap",
                "-1"}, {"--tile-overlap", "128"}, {"--tile", "x"}}) {
            option(tile[0], "sr", "--weights", m, "--input", in, "--output", o, tile[0], tile[1]);
        }
        for (String d : List.of("tpu", "cuda:-1", "cuda:x", "gpu0", "")) {
            option("--device", "sr", "--weights", m, "--input", in, "--output", o, "--device", d);
        }
        option("--scale", "sr", "--weights", m, "--input", in, "--output", o, "--scale", "3");
        option(model.getFileName().toString(), "sr", "--weights", m, "--input", in, "--output", o, "--scale", "8");
        option("--model", "sr", "--model", "srgan9", "--weights", m, "--input", in, "--output", o);
        option("missing.png", "sr", "--weights", m, "--input", dir.resolve("missing.png").toString(), "--output", o);
        option("no-model", "sr", "--weights", dir.resolve("no-model").toString(), "--input", in, "--output", o);
        option("no-such-folder", "sr", "--weights", m, "--input", in, "--output",
                dir.resolve("no-such-folder/o.png").toString());
        Path folderOut = Files.createDirectories(dir.resolve("out-is-a-folder"));
        option("out-is-a-folder", "sr", "--weights", m, "--input", in, "--output", folderOut.toString());
        option("--output", "sr", "--weights", m, "--input", in, "--output", dir.resolve("o.jpg").toString());
        option("--raw-output", "sr", "--weights", m, "--input", in, "--output", o, "--raw-output", o);
        for (String[] g : new String[][] {{"--size", "0"}, {"--size", "100000"}, {"--images", "-1"}, {"--images", "0"},
                {"--classes", "0"}, {"--classes", "1000"}, {"--seed", "x"}}) {
            option(g[0], "generate-dataset", g[0], g[1], "--out", out("gen").toString());
        }
        for (String[] t : new String[][] {{"--mode", "gan"}, {"--iterations", "-5"}, {"--batch", "0"},
                {"--keep-checkpoints", "-1"}, {"--checkpoint-every", "0"}, {"--scale", "5"}, {"--lr", "-1"},
                {"--scale-workers", "0"}, {"--size", "huge"}}) {
            option(t[0], "train", "--mode", t[0].equals("--mode") ? t[1] : "sr", t[0].equals("--mode") ? "--seed"
                    : t[0], t[0].equals("--mode") ? "1" : t[1], "--out", out("train").toString());
        }
        option("--data", "train", "--mode", "sr", "--data", dir.resolve("no-data").toString(), "--out",
                out("train").toString());
        option("--set", "train", "--mode", "sr", "--set", "seed=2", "--out", out("train").toString());
        option("--quick", "train", "--mode", "sr", "--quick", "--out", out("train").toString());
        option("--format", "eval-detections", "--format", "kitti", "--dets", in);
        option("--voc-rule", "eval-detections", "--format", "voc", "--voc-rule", "ssd", "--devkit", dir.toString(),
                "--dets", dir.toString());
        option("--batch", "bench-loader", "--batch", "0");
        option("--seconds", "bench-loader", "--seconds", "-1");
        option("--workers", "bench-loader", "--workers", "-1");
        option("frobnicate", "frobnicate");
        option("--no-such-option", "sr", "--weights", m, "--input", in, "--output", o, "--no-such-option");
    }

    // ---------------------------------------------------------------------------------------------- running

    List<Result> run() throws Exception {
        List<Result> results = new ArrayList<>();
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "malformed-input");
            t.setDaemon(true); // a hung case must not keep the JVM alive
            return t;
        });
        try {
            for (Case c : cases) {
                results.add(run(c, pool));
            }
        } finally {
            pool.shutdownNow();
        }
        return results;
    }

    private static Result run(Case c, ExecutorService pool) {
        Future<CliRun.Result> f = pool.submit(() -> CliRun.run(c.args()));
        CliRun.Result r;
        try {
            r = f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Result(c, Outcome.HANG, "no result after " + TIMEOUT_S + " s");
        } catch (Exception e) {
            return new Result(c, Outcome.CRASH, String.valueOf(e.getCause()));
        }
        List<String> lines = r.err().lines().filter(l -> !l.startsWith("SLF4J") && !l.isBlank()).toList();
        String first = lines.isEmpty() ? "" : lines.get(0);
        if (r.code() == 0) {
            try {
                if (c.unchanged() != null && c.unchanged().holds()) {
                    return new Result(c, Outcome.ACCEPTED_UNCHANGED, "exit 0, same output as the intact file");
                }
            } catch (Exception e) {
                return new Result(c, Outcome.SILENT_WRONG, "exit 0; the check failed: " + e);
            }
            return new Result(c, Outcome.SILENT_WRONG, "exit 0: " + r.out().strip());
        }
        if (lines.stream().anyMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by:"))) {
            return new Result(c, Outcome.STACK_TRACE, first);
        }
        // Clean: the first line is the error and names the culprit (a file, or an option by its name or its key);
        // lines after it may only list details (a state dict's differences, picocli's usage and suggestions).
        boolean named = normalised(first).contains(normalised(c.named()));
        return new Result(c, r.code() == 2 && named ? Outcome.CLEAN : Outcome.UNCLEAR, first);
    }

    /** Case, dashes, spaces and underscores dropped: {@code --keep-checkpoints} matches {@code keepCheckpoints}. */
    private static String normalised(String s) {
        return s.toLowerCase(java.util.Locale.ROOT).replaceAll("[-_ ]", "");
    }

    static Map<String, Map<Outcome, Integer>> counts(List<Result> results) {
        Map<String, Map<Outcome, Integer>> byKind = new java.util.LinkedHashMap<>();
        for (Result r : results) {
            byKind.computeIfAbsent(r.c().kind(), k -> new EnumMap<>(Outcome.class)).merge(r.outcome(), 1, Integer::sum);
            byKind.computeIfAbsent("all", k -> new EnumMap<>(Outcome.class)).merge(r.outcome(), 1, Integer::sum);
        }
        Map<Outcome, Integer> all = byKind.remove("all");
        byKind.put("all", all);
        return byKind;
    }

    /** The table the note pastes: one row per kind, one column per outcome. */
    static String table(List<Result> results) {
        StringBuilder b = new StringBuilder("| input kind | tried |");
        for (Outcome o : Outcome.values()) {
            b.append(' ').append(o.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')).append(" |");
        }
        b.append("\n|---|---:|").append("---:|".repeat(Outcome.values().length)).append('\n');
        for (Map.Entry<String, Map<Outcome, Integer>> e : counts(results).entrySet()) {
            int tried = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
            b.append("| ").append(e.getKey()).append(" | ").append(tried).append(" |");
            for (Outcome o : Outcome.values()) {
                b.append(' ').append(e.getValue().getOrDefault(o, 0)).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }

    static void writeDetails(List<Result> results, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            for (Result r : results) {
                out.write(ascii(r.c().kind() + "\t" + r.c().name() + "\t" + r.outcome() + "\t" + r.message()
                        .replace('\t', ' ') + "\n"));
            }
        }
    }
}
