package dev.tdsr.models;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.JsonPaths;
import dev.tdsr.io.TextFiles;
import dev.tdsr.io.PthReader;
import dev.tdsr.io.Safetensors;
import dev.tdsr.io.StateDict;
import dev.tdsr.io.WeightFormatException;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.nn.Parameter;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Model files in and out.
 *
 * <p><b>Our format</b> is a folder holding {@code model.json} (which model and its config, Jackson) and
 * {@code weights.safetensors} (every parameter by its PyTorch state_dict name, float32); a standalone
 * {@code .safetensors} file carries the same JSON in its metadata under {@code "tdsr.model"}.
 *
 * <p><b>Original checkpoints</b> are read directly (no Python): D-DBPN's {@code DBPN_x2/x4/x8.pth} (keys with
 * DataParallel's {@code module.} prefix; the scale must be given, the config is the original), ssd.pytorch's
 * {@code ssd300_mAP_77.43_v2.pth} / {@code ssd_300_VOC0712.pth} (the class count is taken from the conf heads) and
 * {@code vgg16_reducedfc.pth} (the VGG base only, keys {@code 0.weight ... 33.bias}: it fills {@code vgg.*} and leaves
 * the extras and heads at their initialisation, as ssd.pytorch's train.py does).
 *
 * <p>Loading is all-or-nothing: every missing, unexpected or mis-shaped tensor is listed in one
 * {@link WeightFormatException} before any parameter is written.
 */
public final class ModelFiles {
    public static final String CONFIG = "model.json";
    public static final String WEIGHTS = "weights.safetensors";
    static final String METADATA_KEY = "tdsr.model";
    private static final Pattern VGG_BASE_KEY = Pattern.compile("\\d+\\.(weight|bias)");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT); // stages: 2.5 is an error, not 2

    private ModelFiles() {}

    /**
     * What {@code model.json} holds: the model kind ("dbpn" or "ssd300") and its config; for a detector also the
     * names of classes 1..C-1 and its input transform (both absent in files written before they were recorded, which
     * still load: then callers name the classes).
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record ModelJson(String model, DbpnConfig dbpn, SsdConfig ssd,
            List<String> classNames,
            InputTransform input, SrResNetConfig srresnet, FcnConfig fcn, Vgg19Config vgg19) {
        static ModelJson of(Dbpn m) {
            return new ModelJson("dbpn", m.config(), null, null, null, null, null, null);
        }

        static ModelJson of(Ssd m) {
            return new ModelJson("ssd300", null, m.config(), m.classNames(), InputTransform.of(m.config()), null, null,
                    null);
        }

        static ModelJson of(SrResNet m) {
            return new ModelJson("srresnet", null, null, null, null, m.config(), null, null);
        }

        static ModelJson of(Fcn m, List<String> classNames) {
            return new ModelJson("fcn", null, null, classNames, null, null, m.config(), null);
        }

        static ModelJson of(Vgg19 m) {
            return new ModelJson("vgg19", null, null, null, null, null, null, m.config());
        }
    }

    /**
     * How an image becomes the detector's input, written for people and other tools (checked against the config on
     * loading): resized to size x size (bicubic, aspect ratio not kept), pixels in 0..255, channels in this order,
     * minus these means.
     */
    public record InputTransform(int size, String channels, List<Double> means, String resize) {
        static InputTransform of(SsdConfig c) {
            List<Double> rgb = List.of(SsdInput.RGB_MEANS[0], SsdInput.RGB_MEANS[1], SsdInput.RGB_MEANS[2]);
            return new InputTransform(c.inputSize(), c.bgr() ? "BGR" : "RGB",
                    c.bgr() ? List.of(rgb.get(2), rgb.get(1), rgb.get(0)) : rgb,
                    "bicubic to size x size, aspect ratio not kept; pixel values 0..255 minus means");
        }
    }

    // ---- writing ----

    public static void save(Path dir, Dbpn model) throws IOException {
        write(dir, ModelJson.of(model), model.parameters());
    }

    public static void save(Path dir, Ssd model) throws IOException {
        write(dir, ModelJson.of(model), model.parameters());
    }

    /** The SRResNet/SRGAN generator: its parameters and the batch norms' running statistics in one weights file. */
    public static void save(Path dir, SrResNet model) throws IOException {
        write(dir, ModelJson.of(model), model.parameters(), model.buffers());
    }

    /** An imported VGG19 (SRGAN's perceptual network). */
    public static void save(Path dir, Vgg19 model) throws IOException {
        write(dir, ModelJson.of(model), model.parameters());
    }

    /** The segmentation network with its class names (background first). */
    public static void save(Path dir, Fcn model, List<String> classNames) throws IOException {
        write(dir, ModelJson.of(model, classNames), model.parameters());
    }

    /** A segmentation network and the class names its folder records. */
    public record LoadedFcn(Fcn model, List<String> classNames) {}

    /** An FCN from our folder or .safetensors. */
    public static LoadedFcn loadFcn(Path path, Backend backend) throws IOException {
        Source src = openOurs(path, "fcn", "an FCN");
        Fcn model = new Fcn(src.json.fcn(), backend, DType.F32, 0);
        try {
            loadInto(model.parameters(), src.tensors, path.toString());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
        return new LoadedFcn(model, src.json.classNames());
    }

    /**
     * A model of one's own (a {@link TaskNetwork} added from user code): {@code modelJson} is its model.json text, a
     * JSON object whose {@code "model"} names the kind its loader is registered under ({@link
     * #registerTaskNetwork}).
     */
    public static void save(Path dir, String modelJson, ParameterSet... sets) throws IOException {
        modelKind(JSON.readTree(modelJson), "modelJson");
        write(dir, modelJson, sets);
    }

    private static void write(Path dir, ModelJson json, ParameterSet... sets) throws IOException {
        write(dir, JSON.writeValueAsString(json), sets);
    }

    private static void write(Path dir, String text, ParameterSet... sets) throws IOException {
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve(CONFIG), text);
        LinkedHashMap<String, HostArray> tensors = new LinkedHashMap<>();
        for (ParameterSet ps : sets) {
            tensors.putAll(export(ps));
        }
        Safetensors.write(dir.resolve(WEIGHTS), tensors, Map.of(METADATA_KEY, text));
    }

    /** Every parameter's values by name, as float32 (the order of the slab = PyTorch's registration order). */
    public static LinkedHashMap<String, HostArray> export(ParameterSet params) {
        LinkedHashMap<String, HostArray> out = new LinkedHashMap<>();
        for (Parameter p : params.list()) {
            double[] v = HostDoubles.read(p.value());
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            out.put(p.name(), HostArray.of(f, p.shape()));
        }
        return out;
    }

    // ---- reading ----

    /** The expected name -> shape of a parameter set (what a checkpoint must match). */
    public static Map<String, long[]> shapes(ParameterSet params) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (Parameter p : params.list()) {
            m.put(p.name(), p.shape());
        }
        return m;
    }

    /**
     * Writes {@code dict} into the parameters after checking that names and shapes match exactly (one error listing
     * every difference) and that every value is finite (NaN or Inf names the tensor); nothing is written otherwise.
     */
    public static void loadInto(ParameterSet params, Map<String, HostArray> dict, String source)
            throws WeightFormatException {
        loadInto(List.of(params), dict, source);
    }

    /** As above for the union of several sets (a model's parameters and its batch norm statistics). */
    public static void loadInto(List<ParameterSet> sets, Map<String, HostArray> dict, String source)
            throws WeightFormatException {
        Map<String, long[]> expected = new LinkedHashMap<>();
        List<Parameter> all = new ArrayList<>();
        for (ParameterSet ps : sets) {
            expected.putAll(shapes(ps));
            all.addAll(ps.list());
        }
        StateDict.requireMatch(source, dict, expected);
        for (Parameter p : all) { // every tensor is checked first, so nothing is written on an error
            requireFinite(source, p.name(), dict.get(p.name()));
        }
        for (Parameter p : all) {
            HostDoubles.write(p.value(), dict.get(p.name()).toDoubleArray());
        }
    }

    /** Builds a task network from a model folder whose model.json names its kind. */
    @FunctionalInterface
    public interface TaskNetworkLoader {
        TaskNetwork<?> load(Path dir, Backend backend) throws IOException;
    }

    private static final Map<String, TaskNetworkLoader> TASK_NETWORKS = new java.util.concurrent.ConcurrentHashMap<>(
            Map.of("ssd300", (dir, backend) -> new SsdTaskNetwork(loadSsd(dir, backend, null)),
                    "fcn", SegmentationTaskNetwork::load));

    /** Makes {@link #loadTaskNetwork} build model.json kind {@code model} with {@code loader} (user code's own). */
    public static void registerTaskNetwork(String model, TaskNetworkLoader loader) {
        TASK_NETWORKS.put(model, loader);
    }

    /**
     * The task network of a model folder, by its model.json {@code "model"} kind ("ssd300" and "fcn" built in, others
     * as registered); a path that is not one of our folders (an original .pth) is read as an SSD.
     */
    public static TaskNetwork<?> loadTaskNetwork(Path path, Backend backend) throws IOException {
        Path json = Files.isDirectory(path) ? path.resolve(CONFIG) : path;
        if (!json.getFileName().toString().equals(CONFIG) || !Files.isRegularFile(json)) {
            return TASK_NETWORKS.get("ssd300").load(path, backend);
        }
        String kind = modelKind(JSON.readTree(TextFiles.readUtf8(json, "a model description")), json.toString());
        TaskNetworkLoader loader = TASK_NETWORKS.get(kind);
        if (loader == null) {
            throw new WeightFormatException(json + ": \"model\" is \"" + kind + "\", not a task network; known: "
                    + new java.util.TreeSet<>(TASK_NETWORKS.keySet()) + " (register others with "
                    + "ModelFiles.registerTaskNetwork)");
        }
        return loader.load(path, backend);
    }

    /**
     * Whether {@code path} holds an SSD: a model folder whose model.json says "ssd300", or a weights file that is not
     * one of our folders (an original .pth, a .safetensors: read as an SSD as {@link #loadTaskNetwork} does).
     */
    public static boolean isSsd(Path path) throws IOException {
        Path json = Files.isDirectory(path) ? path.resolve(CONFIG) : path;
        if (!json.getFileName().toString().equals(CONFIG) || !Files.isRegularFile(json)) {
            return true;
        }
        return modelKind(JSON.readTree(TextFiles.readUtf8(json, "a model description")), json.toString())
                .equals("ssd300");
    }

    private static String modelKind(com.fasterxml.jackson.databind.JsonNode tree, String source)
            throws WeightFormatException {
        if (tree == null || !tree.path("model").isTextual()) {
            throw new WeightFormatException(source + ": expected a JSON object with a \"model\" string (the kind)");
        }
        return tree.get("model").asText();
    }

    /**
     * The SR network of one of our model folders, whichever kind its model.json names (a D-DBPN or an SRResNet, the
     * latter in inference mode).
     */
    public static SrNetwork loadSrNetwork(Path dir, Backend backend) throws IOException {
        Path json = Files.isDirectory(dir) ? dir.resolve(CONFIG) : dir;
        if (json.getFileName().toString().equals(CONFIG) && Files.isRegularFile(json)
                && "srresnet".equals(Source.readJson(json, TextFiles.readUtf8(json, "a model description")).model())) {
            return loadSrResNet(dir, backend);
        }
        return loadDbpn(dir, backend, null);
    }

    /** An SRResNet/SRGAN generator from our folder or .safetensors (in inference mode: running statistics). */
    public static SrResNet loadSrResNet(Path path, Backend backend) throws IOException {
        Source src = openOurs(path, "srresnet", "an SRResNet");
        SrResNet model = new SrResNet(src.json.srresnet(), backend, DType.F32, 0);
        try {
            loadInto(List.of(model.parameters(), model.buffers()), src.tensors, path.toString());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
        model.setTraining(false);
        return model;
    }

    /** A model that only our own files describe (no original .pth): the file must carry its model.json. */
    private static Source openOurs(Path path, String kind, String what) throws IOException {
        Source src = Source.open(path, kind);
        if (src.json == null) {
            throw new WeightFormatException(path + ": " + what + " needs our model folder or .safetensors (with its "
                    + "model.json description)");
        }
        return src;
    }

    /** Refuses a floating tensor holding NaN or Inf, naming {@code source} and the tensor. */
    static void requireFinite(String source, String name, HostArray a) throws WeightFormatException {
        if (!a.type().isFloating()) {
            return;
        }
        double[] v = a.toDoubleArray();
        int bad = 0;
        int first = -1;
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                bad++;
                first = first < 0 ? i : first;
            }
        }
        if (bad > 0) {
            throw new WeightFormatException(source + ": tensor '" + name + "' has " + bad + " non-finite value(s) of "
                    + v.length + " (the first, " + v[first] + ", at index " + first + "); the weights are corrupt or "
                    + "come from a diverged run");
        }
    }

    private static LinkedHashMap<String, HostArray> finite(Path file, LinkedHashMap<String, HostArray> tensors)
            throws WeightFormatException {
        for (Map.Entry<String, HostArray> e : tensors.entrySet()) {
            requireFinite(file.toString(), e.getKey(), e.getValue());
        }
        return tensors;
    }

    /**
     * A D-DBPN from our folder (or its model.json), a .safetensors of ours, or an original {@code DBPN_x*.pth}
     * ({@code scaleForPth} required for the latter; the config is the original T=7, 64/256).
     */
    public static Dbpn loadDbpn(Path path, Backend backend, Integer scaleForPth) throws IOException {
        Source src = Source.open(path, "dbpn");
        DbpnConfig config;
        if (src.json != null) {
            config = src.json.dbpn();
            checkAgainstWeights(src, config);
        } else {
            if (scaleForPth == null) {
                throw new WeightFormatException(path + ": an original D-DBPN checkpoint does not record its scale;"
                        + " give it (--scale 2|4|8)");
            }
            config = DbpnConfig.original(scaleForPth);
        }
        Dbpn model = new Dbpn(config, backend, DType.F32, 0);
        try {
            loadInto(model.parameters(), StateDict.stripPrefix(path.toString(), src.tensors,
                    StateDict.DATA_PARALLEL_PREFIX), path.toString());
        } catch (IOException | RuntimeException e) {
            model.parameters().close();
            throw e;
        }
        return model;
    }

    /**
     * An SSD300 from our folder/.safetensors, an original ssd.pytorch checkpoint (class count from the conf heads;
     * {@code classesForPth} overrides), or {@code vgg16_reducedfc.pth} (base only; {@code classesForPth} or 21).
     */
    public static Ssd loadSsd(Path path, Backend backend, Integer classesForPth) throws IOException {
        Source src = Source.open(path, "ssd300");
        if (src.json != null) {
            checkAgainstWeights(src, src.json.ssd());
            checkInput(src);
            List<String> names = src.json.classNames();
            if (names != null && names.size() != src.json.ssd().numClasses() - 1) {
                throw new WeightFormatException(src.jsonFile + ": \"classNames\" has " + names.size()
                        + " names but \"ssd\".\"numClasses\" is " + src.json.ssd().numClasses() + " (expected "
                        + (src.json.ssd().numClasses() - 1) + " names, background excluded)");
            }
            Ssd model = new Ssd(src.json.ssd(), backend, DType.F32, 0);
            loadOrClose(model.parameters(), src.tensors, path);
            model.setClassNames(names);
            return model;
        }
        Map<String, HostArray> dict = StateDict.stripPrefix(path.toString(), src.tensors,
                StateDict.DATA_PARALLEL_PREFIX);
        boolean baseOnly = !dict.isEmpty() && dict.keySet().stream().allMatch(k -> VGG_BASE_KEY.matcher(k).matches());
        int classes = classesForPth != null ? classesForPth : baseOnly ? 21 : classesFromHeads(path, dict);
        // ssd.pytorch's VOC checkpoints: 21 classes in the devkit's order (its VOC_CLASSES); others stay unnamed.
        SsdConfig original = classes == 21 ? SsdConfig.voc() : new SsdConfig(300, 1.0, classes,
                classes == 81 ? PriorBoxes.Sizes.COCO : PriorBoxes.Sizes.VOC, false);
        Ssd model = new Ssd(original, backend, DType.F32, 0);
        if (classes == 21) {
            model.setClassNames(dev.tdsr.data.ClassList.VOC.names());
        }
        if (!baseOnly) {
            loadOrClose(model.parameters(), dict, path);
            return model;
        }
        // vgg16_reducedfc.pth: the keys of ssd.pytorch's `vgg` ModuleList without the prefix.
        Map<String, long[]> expected = new LinkedHashMap<>();
        shapes(model.parameters()).forEach((k, v) -> {
            if (k.startsWith("vgg.")) {
                expected.put(k.substring(4), v);
            }
        });
        try {
            StateDict.requireMatch(path.toString(), dict, expected);
            for (Map.Entry<String, HostArray> e : dict.entrySet()) {
                HostDoubles.write(model.parameters().get("vgg." + e.getKey()).value(), e.getValue().toDoubleArray());
            }
        } catch (IOException | RuntimeException e) {
            model.parameters().close();
            throw e;
        }
        return model;
    }

    /**
     * A VGG19 from our folder/.safetensors, or torchvision's original {@code vgg19-*.pth} (or its state dict as a
     * .safetensors): the {@code features.N.*} tensors, width from {@code features.0.weight}; {@code classifier.*} is
     * dropped (SRGAN reads relu5_4).
     */
    public static Vgg19 loadVgg19(Path path, Backend backend) throws IOException {
        Source src = Source.open(path, "vgg19");
        Map<String, HostArray> dict = src.json != null ? src.tensors
                : StateDict.stripPrefix(path.toString(), src.tensors, StateDict.DATA_PARALLEL_PREFIX);
        Vgg19Config config;
        if (src.json != null) {
            config = src.json.vgg19();
        } else {
            HostArray first = dict.get("features.0.weight");
            if (first == null || first.shape().length != 4) {
                throw new WeightFormatException(path + ": not a torchvision VGG19 state dict (no 4-D "
                        + "'features.0.weight'; keys start " + dict.keySet().stream().limit(5).toList() + ")");
            }
            config = new Vgg19Config(first.shape()[0] / 64.0);
            Map<String, HostArray> features = new LinkedHashMap<>();
            dict.forEach((k, v) -> {
                if (!k.startsWith("classifier.")) {
                    features.put(k, v);
                }
            });
            dict = features;
        }
        Vgg19 model = new Vgg19(config, backend, DType.F32, 0);
        loadOrClose(model.parameters(), dict, path);
        return model;
    }

    /** The description is of the wanted kind and has its block ("dbpn": {...} or "ssd": {...}). */
    private static void requireKind(Path jsonFile, ModelJson json, String kind) throws WeightFormatException {
        String got = json.model();
        if (got == null || !List.of("dbpn", "ssd300", "srresnet", "fcn", "vgg19").contains(got)) {
            throw new WeightFormatException(jsonFile + ": \"model\" is " + (got == null ? "missing" : "'" + got
                    + "'") + "; expected \"model\": \"dbpn\", \"ssd300\", \"srresnet\", \"fcn\" or \"vgg19\"");
        }
        if (!kind.equals(got)) {
            throw new WeightFormatException(jsonFile + ": describes a '" + got + "' model, expected '" + kind
                    + "' (a " + switch (kind) {
                        case "dbpn" -> "D-DBPN super-resolution";
                        case "srresnet" -> "SRResNet/SRGAN generator";
                        case "fcn" -> "FCN segmentation";
                        case "vgg19" -> "VGG19 perceptual network";
                        default -> "SSD300 detector";
                    } + " model folder)");
        }
        if (kind.equals("vgg19")) {
            if (json.vgg19() == null) {
                throw new WeightFormatException(jsonFile + ": \"model\": \"vgg19\" needs its config block "
                        + "\"vgg19\": {\"width\": 1.0} beside it");
            }
            return;
        }
        if (kind.equals("fcn")) {
            if (json.fcn() == null) {
                throw new WeightFormatException(jsonFile + ": \"model\": \"fcn\" needs its config block "
                        + "\"fcn\": {\"width\": 16, \"classes\": 7} beside it");
            }
            return;
        }
        if (kind.equals("srresnet")) {
            if (json.srresnet() == null) {
                throw new WeightFormatException(jsonFile + ": \"model\": \"srresnet\" needs its config block "
                        + "\"srresnet\": {\"scale\": 4, \"channels\": 64, \"blocks\": 16} beside it");
            }
            return;
        }
        boolean dbpn = kind.equals("dbpn");
        if (dbpn ? json.dbpn() == null : json.ssd() == null) {
            throw new WeightFormatException(jsonFile + ": \"model\": \"" + kind + "\" needs its config block "
                    + (dbpn ? "\"dbpn\": {\"scale\": 4, \"base\": 64, \"feat\": 256, \"stages\": 7, \"residual\": false}"
                            : "\"ssd\": {\"inputSize\": 300, \"width\": 1.0, \"numClasses\": 21, \"priors\": \"VOC\","
                                    + " \"bgr\": false}") + " beside it");
        }
    }

    /**
     * A description that contradicts its own weights (say "feat": 1000000000 beside 16-channel tensors) is an error
     * naming the field and the value the weights have, before anything is allocated for it.
     */
    private static void checkAgainstWeights(Source src, DbpnConfig c) throws WeightFormatException {
        List<String> wrong = new ArrayList<>();
        field(wrong, src, "dbpn", "feat", c.feat(), "feat0.conv.weight", 0);
        field(wrong, src, "dbpn", "base", c.base(), "feat1.conv.weight", 0);
        HostArray up = src.tensors.get("up1.up_conv1.deconv.weight");
        if (up != null && up.shape().length == 4 && up.shape()[2] != c.kernel()) {
            long k = up.shape()[2];
            wrong.add("\"dbpn\".\"scale\" is " + c.scale() + " but up1.up_conv1.deconv.weight has " + k + "x" + k
                    + " kernels" + (k == 6 ? " (scale 2)" : k == 8 ? " (scale 4)" : k == 12 ? " (scale 8)" : ""));
        }
        long stages = src.tensors.keySet().stream().filter(k -> k.matches("up\\d+\\..*"))
                .map(k -> k.substring(0, k.indexOf('.'))).distinct().count();
        if (stages > 0 && stages != c.stages()) {
            wrong.add("\"dbpn\".\"stages\" is " + c.stages() + " but the weights have " + stages
                    + " up-projection stages (up1..up" + stages + ")");
        }
        throwIfWrong(src, wrong);
    }

    private static void checkAgainstWeights(Source src, SsdConfig c) throws WeightFormatException {
        List<String> wrong = new ArrayList<>();
        HostArray conf = src.tensors.get("conf.0.weight");
        if (conf != null && conf.shape().length == 4 && conf.shape()[0] != (long) c.numClasses() * SsdConfig.BOXES[0]) {
            wrong.add("\"ssd\".\"numClasses\" is " + c.numClasses() + " but conf.0.weight has " + conf.shape()[0]
                    + " output channels (" + SsdConfig.BOXES[0] + " boxes x " + conf.shape()[0] / SsdConfig.BOXES[0]
                    + " classes)");
        }
        field(wrong, src, "ssd", "width", c.ch(64), "vgg.0.weight", 0);
        throwIfWrong(src, wrong);
    }

    private static void checkInput(Source src) throws WeightFormatException {
        InputTransform in = src.json.input();
        if (in == null) {
            return;
        }
        InputTransform want = InputTransform.of(src.json.ssd());
        if (in.size() != want.size() || !want.channels().equals(in.channels())
                || in.means() != null && !want.means().equals(in.means())) {
            throw new WeightFormatException(src.jsonFile + ": \"input\" " + in + " disagrees with the \"ssd\" block,"
                    + " which gives size " + want.size() + ", channels " + want.channels() + ", means " + want.means()
                    + "; fix one of them");
        }
    }

    private static void field(List<String> wrong, Source src, String block, String name, long value, String tensor,
            int dim) {
        HostArray t = src.tensors.get(tensor);
        if (t != null && t.shape().length > dim && t.shape()[dim] != value) {
            wrong.add("\"" + block + "\".\"" + name + "\" " + (name.equals("width") ? "gives " + value + " channels"
                    : "is " + value) + " but " + tensor + " has " + t.shape()[dim] + " (shape "
                    + java.util.Arrays.toString(t.shape()) + ")");
        }
    }

    private static void throwIfWrong(Source src, List<String> wrong) throws WeightFormatException {
        if (!wrong.isEmpty()) {
            throw new WeightFormatException(src.jsonFile + ": does not match its weights " + src.weightsFile + ": "
                    + String.join("; ", wrong) + "; fix model.json or use the weights it was saved with");
        }
    }

    private static void loadOrClose(ParameterSet params, Map<String, HostArray> dict, Path path) throws IOException {
        try {
            loadInto(params, dict, path.toString());
        } catch (IOException | RuntimeException e) {
            params.close();
            throw e;
        }
    }

    private static int classesFromHeads(Path path, Map<String, HostArray> dict) throws WeightFormatException {
        HostArray conf0 = dict.get("conf.0.weight");
        if (conf0 == null || conf0.shape().length != 4) {
            throw new WeightFormatException(path + ": not an ssd.pytorch checkpoint (no 4-D 'conf.0.weight'; keys start "
                    + dict.keySet().stream().limit(5).toList() + ")");
        }
        long out = conf0.shape()[0];
        if (out % SsdConfig.BOXES[0] != 0) {
            throw new WeightFormatException(path + ": conf.0.weight has " + out + " output channels, not a multiple of "
                    + SsdConfig.BOXES[0] + " boxes");
        }
        return (int) (out / SsdConfig.BOXES[0]);
    }

    /** The tensors of a model file and, for our own formats, its model.json. */
    private record Source(LinkedHashMap<String, HostArray> tensors, ModelJson json, Path jsonFile, Path weightsFile) {
        /** Opens a model file; a description of another kind than {@code kind} fails before the weights are read. */
        static Source open(Path path, String kind) throws IOException {
            if (!Files.exists(path)) {
                throw new java.nio.file.NoSuchFileException(path.toString(), null, "model file or folder not found");
            }
            Path p = path;
            if (Files.isDirectory(p)) {
                p = p.resolve(CONFIG);
            }
            String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.equals(CONFIG)) {
                ModelJson json = readJson(p, TextFiles.readUtf8(p, "a model description {\"model\": \"dbpn\"|\"ssd300\", ...}"));
                requireKind(p, json, kind);
                Path weights = p.resolveSibling(WEIGHTS);
                if (!Files.exists(weights)) {
                    throw new WeightFormatException(p + ": " + WEIGHTS + " is missing beside it");
                }
                return new Source(finite(weights, Safetensors.read(weights)), json, p, weights);
            }
            if (name.endsWith(".safetensors")) {
                Safetensors.Contents c = Safetensors.load(p);
                String text = c.metadata().get(METADATA_KEY);
                ModelJson json = text == null ? null : readJson(p, text);
                if (json != null) {
                    requireKind(p, json, kind);
                }
                return new Source(finite(p, c.tensors()), json, p, p);
            }
            return new Source(finite(p, PthReader.read(p)), null, p, p);
        }

        private static ModelJson readJson(Path file, String text) throws WeightFormatException {
            try {
                return JSON.readValue(text, ModelJson.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                String key = JsonPaths.of(e);
                Throwable root = e.getCause() instanceof IllegalArgumentException iae ? iae : null;
                String why = root != null ? root.getMessage() : e.getOriginalMessage().split("\n")[0];
                throw new WeightFormatException(file + ": not a valid model description"
                        + (key.isEmpty() || key.equals("?") ? "" : " at \"" + key + "\"") + ": " + why
                        + " (expected {\"model\": \"dbpn\"|\"ssd300\", \"dbpn\": {...} or \"ssd\": {...}})");
            } catch (IOException | IllegalArgumentException e) {
                throw new WeightFormatException(file + ": not a valid model description (expected {\"model\":"
                        + " \"dbpn\"|\"ssd300\", \"dbpn\": {...} or \"ssd\": {...}}): " + e.getMessage());
            }
        }
    }
}
