package dev.tdsr.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Model-independent checks for importing a state dict: prefix stripping and one comparison against the shapes a
 * model expects, reported as a single error listing every difference, so nothing is ever half-loaded.
 */
public final class StateDict {
    /** What {@code torch.nn.DataParallel} puts in front of every key. */
    public static final String DATA_PARALLEL_PREFIX = "module.";

    private StateDict() {
    }

    /**
     * The same entries, in the same order, with {@code prefix} removed from every key that starts with it.
     *
     * @throws WeightFormatException when stripping makes two keys equal (e.g. {@code module.x} and {@code x})
     */
    public static LinkedHashMap<String, HostArray> stripPrefix(String source, Map<String, HostArray> dict,
            String prefix) throws WeightFormatException {
        LinkedHashMap<String, HostArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostArray> e : dict.entrySet()) {
            String k = e.getKey().startsWith(prefix) ? e.getKey().substring(prefix.length()) : e.getKey();
            if (out.put(k, e.getValue()) != null) {
                throw new WeightFormatException(source + ": stripping '" + prefix + "' makes two keys '" + k + "'");
            }
        }
        return out;
    }

    /** Differences between a state dict and the model's expected shapes; each list is in key order. */
    public record Diff(List<String> missing, List<String> unexpected, List<String> mismatched) {
        public boolean isEmpty() {
            return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
        }

        /** Multi-line description: one section per kind of difference. */
        public String describe() {
            StringBuilder s = new StringBuilder();
            section(s, "missing (the model needs them, the file lacks them)", missing);
            section(s, "unexpected (in the file, unknown to the model)", unexpected);
            section(s, "mismatched", mismatched);
            return s.toString().stripTrailing();
        }

        private static void section(StringBuilder s, String title, List<String> items) {
            if (!items.isEmpty()) {
                s.append(items.size()).append(' ').append(title).append(":\n");
                items.forEach(i -> s.append("  ").append(i).append('\n'));
            }
        }
    }

    /**
     * Compares keys and shapes; every expected tensor must also have a floating-point type (the model's parameters
     * are floating point; an int64 or bool tensor under a parameter's name is a mismatch).
     */
    public static Diff compare(Map<String, HostArray> actual, Map<String, long[]> expected) {
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            HostArray a = actual.get(e.getKey());
            if (a == null) {
                missing.add(e.getKey() + " " + Arrays.toString(e.getValue()));
            } else if (!Arrays.equals(a.shape(), e.getValue())) {
                mismatched.add(e.getKey() + ": shape " + Arrays.toString(a.shape()) + " in the file, the model"
                        + " expects " + Arrays.toString(e.getValue()));
            } else if (!a.type().isFloating()) {
                mismatched.add(e.getKey() + ": dtype " + a.type().torchName() + " in the file, the model expects a"
                        + " floating-point tensor");
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, HostArray> e : actual.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                unexpected.add(e.getKey() + " " + e.getValue());
            }
        }
        return new Diff(List.copyOf(missing), List.copyOf(unexpected), List.copyOf(mismatched));
    }

    /** Throws one error listing all differences, naming {@code source}; returns quietly when they match exactly. */
    public static void requireMatch(String source, Map<String, HostArray> actual, Map<String, long[]> expected)
            throws WeightFormatException {
        Diff d = compare(actual, expected);
        if (!d.isEmpty()) {
            throw new WeightFormatException(source + ": state dict does not match the model (" + actual.size()
                    + " tensors in the file, " + expected.size() + " expected)\n" + d.describe());
        }
    }
}
