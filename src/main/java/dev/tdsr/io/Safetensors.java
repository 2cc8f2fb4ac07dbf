package dev.tdsr.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: u64 little-endian header length N, an N-byte JSON header
 * ({@code name → {dtype, shape, data_offsets}} plus optional {@code __metadata__} string map), then the
 * little-endian row-major data, offsets relative to the end of the header, contiguous and non-overlapping.
 */
public final class Safetensors {
    public static final String METADATA = "__metadata__";
    /** The reference implementation's cap on the header size. */
    static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** Tensors in header order and the free-form metadata (empty when absent). */
    public record Contents(LinkedHashMap<String, HostArray> tensors, Map<String, String> metadata) {
    }

    private Safetensors() {
    }

    public static LinkedHashMap<String, HostArray> read(Path file) throws IOException {
        return load(file).tensors();
    }

    public static Contents load(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "shorter than the 8-byte header length (" + size + " bytes)");
            }
            long n = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n < 2 || n > MAX_HEADER || n > size - 8) {
                throw bad(file, "header length " + Long.toUnsignedString(n) + " is outside 2.." + Math.min(MAX_HEADER,
                        size - 8) + " (truncated or not a safetensors file)");
            }
            JsonNode header;
            try {
                header = JSON.readTree(readFully(ch, 8, (int) n).array());
            } catch (JsonProcessingException e) {
                throw bad(file, "header is not valid JSON: " + e.getOriginalMessage());
            }
            if (header == null || !header.isObject()) {
                throw bad(file, "header must be a JSON object");
            }
            long dataStart = 8 + n;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals(METADATA)) {
                    metadata = metadata(file, f.getValue());
                } else {
                    entries.add(entry(file, f.getKey(), f.getValue()));
                }
            }
            checkLayout(file, entries, size - dataStart);
            LinkedHashMap<String, HostArray> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                byte[] data = readFully(ch, dataStart + e.begin, (int) (e.end - e.begin)).array();
                tensors.put(e.name, HostArray.wrap(e.type, e.shape, data));
            }
            return new Contents(tensors, Collections.unmodifiableMap(metadata));
        }
    }

    /**
     * Writes {@code tensors} with the header in the given order. The data is contiguous and laid out by element size,
     * largest first (stable), so that with the JSON padded by spaces to an 8-byte boundary every tensor starts
     * aligned to its element size, as the reference writer does. Atomic (see {@link AtomicFiles#write});
     * {@code metadata} may be empty and is written in sorted key order whatever the map's order (a {@code Map.of}
     * iterates in a per-JVM order), so identical contents give byte-identical files.
     */
    public static void write(Path file, Map<String, HostArray> tensors, Map<String, String> metadata)
            throws IOException {
        List<Map.Entry<String, HostArray>> layout = new ArrayList<>(tensors.entrySet());
        layout.sort(Comparator.comparingInt(e -> -e.getValue().type().size()));
        Map<String, Long> begin = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, HostArray> e : layout) {
            begin.put(e.getKey(), offset);
            offset += e.getValue().byteSize();
        }
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject(METADATA);
            new java.util.TreeMap<>(metadata).forEach(m::put); // sorted: identical states give identical bytes
        }
        for (Map.Entry<String, HostArray> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                throw new IllegalArgumentException(file + ": a tensor may not be named " + METADATA);
            }
            HostArray a = e.getValue();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", a.type().safetensorsName());
            ArrayNode shape = t.putArray("shape");
            for (long d : a.shape()) {
                shape.add(d);
            }
            long b = begin.get(e.getKey());
            t.putArray("data_offsets").add(b).add(b + a.byteSize());
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // 8 + padded is then a multiple of 8
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(head);
            for (Map.Entry<String, HostArray> e : layout) {
                out.write(e.getValue().raw());
            }
        });
    }

    private record Entry(String name, ElementType type, long[] shape, long begin, long end) {
    }

    private static Entry entry(Path file, String name, JsonNode v) throws WeightFormatException {
        String where = "tensor '" + name + "': ";
        if (!v.isObject()) {
            throw bad(file, where + "expected {\"dtype\", \"shape\", \"data_offsets\"}, got " + v);
        }
        ElementType type = ElementType.fromSafetensors(v.path("dtype").asText(""));
        if (type == null) {
            throw bad(file, where + "dtype " + v.get("dtype") + " is not one of F32, F16, BF16, F64, I64, I32, I16,"
                    + " I8, U8, BOOL");
        }
        long[] shape = naturals(file, where + "shape", v.get("shape"), -1);
        long[] offsets = naturals(file, where + "data_offsets", v.get("data_offsets"), 2);
        long numel;
        try {
            numel = HostArray.numel(shape);
        } catch (ArithmeticException e) {
            throw bad(file, where + "shape " + Arrays.toString(shape) + " overflows");
        }
        long bytes = offsets[1] - offsets[0];
        if (bytes > Integer.MAX_VALUE - 8) {
            throw bad(file, where + bytes + " bytes; tensors over 2 GiB are not supported");
        }
        if (bytes < 0 || numel > Integer.MAX_VALUE || bytes != numel * type.size()) {
            throw bad(file, where + "data_offsets " + Arrays.toString(offsets) + " span " + bytes + " bytes, shape "
                    + Arrays.toString(shape) + " of " + type.safetensorsName() + " needs " + numel * type.size());
        }
        return new Entry(name, type, shape, offsets[0], offsets[1]);
    }

    /** Sorted by offset, the tensors must tile the data area exactly: no gap, no overlap, nothing past the end. */
    private static void checkLayout(Path file, List<Entry> entries, long dataLength) throws WeightFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long cursor = 0;
        for (Entry e : sorted) {
            if (e.begin != cursor) {
                throw bad(file, "tensor '" + e.name + "' starts at data offset " + e.begin + ", expected " + cursor
                        + " (tensors must be contiguous and must not overlap)");
            }
            cursor = e.end;
        }
        if (cursor != dataLength) {
            throw bad(file, "tensors cover " + cursor + " data bytes but the file holds " + dataLength
                    + (cursor > dataLength ? " (truncated)" : ""));
        }
    }

    private static Map<String, String> metadata(Path file, JsonNode v) throws WeightFormatException {
        if (!v.isObject()) {
            throw bad(file, METADATA + " must be an object of strings");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isTextual()) {
                throw bad(file, METADATA + "." + f.getKey() + " must be a string, got " + f.getValue());
            }
            m.put(f.getKey(), f.getValue().asText());
        }
        return m;
    }

    private static long[] naturals(Path file, String what, JsonNode v, int length) throws WeightFormatException {
        if (v == null || !v.isArray() || (length >= 0 && v.size() != length)) {
            throw bad(file, what + " must be an array of " + (length >= 0 ? length + " " : "")
                    + "non-negative integers, got " + v);
        }
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = v.get(i);
            if (!x.canConvertToLong() || !x.isIntegralNumber() || x.asLong() < 0) {
                throw bad(file, what + " must hold non-negative integers, got " + v);
            }
            out[i] = x.asLong();
        }
        return out;
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new IOException("unexpected end of file at " + (position + b.position()));
            }
        }
        b.flip();
        return b;
    }

    private static WeightFormatException bad(Path file, String what) {
        return new WeightFormatException(file + ": safetensors " + what);
    }
}
