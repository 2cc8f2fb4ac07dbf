package dev.tdsr.study;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tdsr.io.JsonPaths;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads {@link StudyConfig} JSON (snake_case keys). Every error names the source, the key path and what was expected;
 * an unknown key is an error (a misspelt key would otherwise silently fall back to nothing).
 */
public final class ConfigLoader {
    /** Names of the configs shipped under {@code src/main/resources/configs/}. */
    public static final List<String> BUILTIN = List.of("default", "quick", "voc0712", "coco", "sr4ir");

    static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT) // sr.base: 8.5 is an error, not 8
            .enable(SerializationFeature.INDENT_OUTPUT);

    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private ConfigLoader() {}

    /** The built-in default: small networks, synthetic data, reduced schedules. */
    public static StudyConfig defaults() throws IOException {
        return builtin("default");
    }

    /** A shipped config by name ({@link #BUILTIN}). */
    public static StudyConfig builtin(String name) throws IOException {
        return parse(builtinTree(name), "configs/" + name + ".json");
    }

    /** A config file, optionally with {@code key.path=value} overrides applied before validation. */
    public static StudyConfig load(Path file, List<String> overrides) throws IOException {
        JsonNode tree;
        try {
            tree = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new IllegalArgumentException(file + ": empty; expected a study config (a JSON object; see "
                    + "configs/default.json in the jar)");
        }
        return parse(override(tree, overrides, file.toString()), file.toString());
    }

    /** A shipped config or a file: names in {@link #BUILTIN} are the shipped ones. */
    public static StudyConfig resolve(String nameOrFile, List<String> overrides) throws IOException {
        if (BUILTIN.contains(nameOrFile)) {
            String source = "configs/" + nameOrFile + ".json";
            return parse(override(builtinTree(nameOrFile), overrides, source), source);
        }
        if (!java.nio.file.Files.isRegularFile(Path.of(nameOrFile))) {
            throw new IllegalArgumentException("--study " + nameOrFile + ": neither a built-in study ("
                    + String.join(", ", BUILTIN) + ") nor a study config file");
        }
        return load(Path.of(nameOrFile), overrides);
    }

    /** The config as a JSON tree (what results.json records). */
    public static JsonNode toTree(StudyConfig c) {
        try {
            return JSON.readTree(JSON.writeValueAsString(c)); // via text: node types equal what a reader gets back
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("config " + c.name() + " cannot be written as JSON", e);
        }
    }

    public static String toJson(StudyConfig c) throws IOException {
        return JSON.writeValueAsString(c);
    }

    /** Key paths whose value is still a {@code <...>} placeholder (a path the user must supply). */
    public static List<String> placeholders(StudyConfig c) {
        List<String> out = new ArrayList<>();
        collectPlaceholders(toTree(c), "", out);
        return out;
    }

    /** Throws naming every placeholder left, so a paper run fails before hours of work, not in the middle. */
    public static void requireNoPlaceholders(StudyConfig c) {
        List<String> left = placeholders(c);
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("config " + c.name() + ": set these paths first (e.g. --set "
                    + left.get(0) + "=/data/...): " + String.join(", ", left));
        }
    }

    static StudyConfig parse(JsonNode tree, String source) throws IOException {
        if (!tree.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object (a study config), got "
                    + tree.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        if (!tree.has("srgan")) { // optional: configs written before the SRGAN row (and without it) stay valid
            tree = ((ObjectNode) tree).deepCopy().putNull("srgan");
        }
        if (!tree.has("sr4ir")) { // optional likewise: configs without the SR4IR rows
            tree = ((ObjectNode) tree).deepCopy().putNull("sr4ir");
        }
        return parseAs(tree, StudyConfig.class, source);
    }

    /** A config record of {@code type} from JSON, with the same one-line errors as a study config's. */
    static <T> T parseAs(JsonNode tree, Class<T> type, String source) throws IOException {
        if (!tree.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object (a study config), got "
                    + tree.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        // Unknown keys first: a misspelt key is also a missing one, and the misspelling is the useful message.
        List<String> unknown = new ArrayList<>();
        unknownKeys(tree, type, "", unknown);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(source + ": unknown key " + String.join(", ", unknown));
        }
        try {
            return JSON.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            String at = JsonPaths.of(e);
            throw new IllegalArgumentException(source + ": unknown key '" + at + "' (known keys there: "
                    + e.getKnownPropertyIds() + ")", e);
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException iae) { // a record's own validation
                throw new IllegalArgumentException(source + ": " + iae.getMessage(), iae);
            }
            if (e.getOriginalMessage().startsWith("Missing creator property")) {
                throw new IllegalArgumentException(source + ": missing key '" + JsonPaths.of(e) + "' (every key is required;"
                        + " write null for an unused path)", e);
            }
            throw new IllegalArgumentException(source + ": at '" + JsonPaths.of(e) + "': " + e.getOriginalMessage(), e);
        }
    }

    /** Keys of {@code n} that are not components of record {@code type}, recursively into nested records. */
    private static void unknownKeys(JsonNode n, Class<?> type, String at, List<String> out) {
        if (!type.isRecord() || !n.isObject()) {
            return;
        }
        Map<String, Class<?>> known = new java.util.LinkedHashMap<>();
        for (RecordComponent rc : type.getRecordComponents()) {
            known.put(SNAKE.translate(rc.getName()), rc.getType());
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            String path = at.isEmpty() ? k : at + "." + k;
            if (!known.containsKey(k)) {
                out.add("'" + path + "' (known keys there: " + String.join(", ", known.keySet()) + ")");
            } else {
                unknownKeys(n.get(k), known.get(k), path, out);
            }
        }
    }

    private static JsonNode builtinTree(String name) throws IOException {
        if (!BUILTIN.contains(name)) {
            throw new IllegalArgumentException("config: no built-in config '" + name + "' (have " + BUILTIN + ")");
        }
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/configs/" + name + ".json")) {
            if (in == null) {
                throw new IOException("configs/" + name + ".json: missing from the classpath");
            }
            return JSON.readTree(in);
        }
    }

    /**
     * Applies {@code a.b.c=value} overrides to existing keys only (an unknown key is an error). The value is read as
     * JSON when it parses (numbers, true/false, null, lists) and as a plain string otherwise.
     */
    static JsonNode override(JsonNode tree, List<String> overrides, String source) {
        JsonNode root = tree.deepCopy();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(source + ": override '" + o + "': expected key.path=value");
            }
            String[] keys = o.substring(0, eq).split("\\.");
            String text = o.substring(eq + 1);
            JsonNode node = root;
            for (int i = 0; i < keys.length - 1; i++) {
                node = node.get(keys[i]);
                if (node == null || !node.isObject()) {
                    throw new IllegalArgumentException(source + ": override '" + o + "': unknown key '"
                            + String.join(".", List.of(keys).subList(0, i + 1)) + "'");
                }
            }
            String last = keys[keys.length - 1];
            if (!node.has(last)) {
                throw new IllegalArgumentException(source + ": override '" + o + "': unknown key '"
                        + o.substring(0, eq) + "'");
            }
            JsonNode value;
            try {
                value = JSON.readTree(text);
            } catch (JsonProcessingException notJson) {
                value = null;
            }
            ((ObjectNode) node).set(last, value == null || value.isMissingNode() ? TextNode.valueOf(text) : value);
        }
        return root;
    }

    private static void collectPlaceholders(JsonNode n, String at, List<String> out) {
        if (n.isTextual()) {
            String s = n.asText();
            if (s.startsWith("<") && s.endsWith(">")) {
                out.add(at);
            }
        } else if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                collectPlaceholders(e.getValue(), at.isEmpty() ? e.getKey() : at + "." + e.getKey(), out);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                collectPlaceholders(n.get(i), at + "[" + i + "]", out);
            }
        }
    }
}
