package dev.tdsr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.Safetensors;
import dev.tdsr.io.StateDict;
import dev.tdsr.io.WeightFormatException;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdConfig;
import dev.tdsr.nn.Parameter;
import dev.tdsr.nn.ParameterSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model folder: {@code model.json} ({"type": "dbpn"|"ssd", "config": {...}}) and {@code weights.safetensors} (each
 * parameter by its PyTorch name). Stand-in until {@code dev.tdsr.models.ModelFiles} (same layout) reaches main.
 */
public final class ModelWeights {
    static final String MODEL_JSON = "model.json";
    static final String WEIGHTS = "weights.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelWeights() {}

    public static void save(Path dir, Dbpn model) throws IOException {
        save(dir, "dbpn", model.config(), model.parameters());
    }

    public static void save(Path dir, Ssd model) throws IOException {
        save(dir, "ssd", model.config(), model.parameters());
    }

    private static void save(Path dir, String type, Object config, ParameterSet params) throws IOException {
        Files.createDirectories(dir);
        ObjectNode json = JSON.createObjectNode();
        json.put("type", type);
        json.set("config", JSON.valueToTree(config));
        AtomicFiles.writeString(dir.resolve(MODEL_JSON), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json)
                + "\n");
        Map<String, HostArray> tensors = new LinkedHashMap<>();
        for (Parameter p : params.list()) {
            tensors.put(p.name(), Optimizer.host(p.value()));
        }
        Safetensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "tdsr-native"));
    }

    /** The DBPN config of a model folder. */
    public static DbpnConfig dbpnConfig(Path dir) throws IOException {
        return JSON.treeToValue(config(dir, "dbpn"), DbpnConfig.class);
    }

    /** The SSD config of a model folder. */
    public static SsdConfig ssdConfig(Path dir) throws IOException {
        return JSON.treeToValue(config(dir, "ssd"), SsdConfig.class);
    }

    private static JsonNode config(Path dir, String type) throws IOException {
        Path file = requireFolder(dir).resolve(MODEL_JSON);
        JsonNode n = JSON.readTree(file.toFile());
        if (n == null || !type.equals(n.path("type").asText()) || !n.has("config")) {
            throw new WeightFormatException(file + ": expected {\"type\": \"" + type + "\", \"config\": {...}}, got "
                    + (n == null ? "nothing" : "type '" + n.path("type").asText() + "'"));
        }
        return n.get("config");
    }

    /** Loads {@code dir}'s weights into {@code params}: every name and shape must match. */
    public static void load(Path dir, ParameterSet params) throws IOException {
        Path file = requireFolder(dir).resolve(WEIGHTS);
        Map<String, HostArray> w = Safetensors.read(file);
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (Parameter p : params.list()) {
            expected.put(p.name(), p.shape());
        }
        StateDict.requireMatch(file.toString(), w, expected);
        for (Parameter p : params.list()) {
            HostArray a = w.get(p.name());
            if (p.value().dtype() == dev.tdsr.engine.DType.F64) {
                p.value().write(a.toDoubleArray());
            } else {
                p.value().write(a.toFloatArray());
            }
        }
    }

    private static Path requireFolder(Path dir) throws IOException {
        if (!Files.isDirectory(dir) || !Files.isRegularFile(dir.resolve(MODEL_JSON))) {
            throw new WeightFormatException(dir + ": expected a model folder with " + MODEL_JSON + " and " + WEIGHTS
                    + " (as train writes into each checkpoint and final/); .pth files need the coming "
                    + "import-weights command");
        }
        return dir;
    }
}
