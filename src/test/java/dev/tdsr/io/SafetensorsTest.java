package dev.tdsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path tmp;

    private static LinkedHashMap<String, HostArray> sample() {
        LinkedHashMap<String, HostArray> m = new LinkedHashMap<>();
        m.put("w", HostArray.of(new float[] {1.5f, -2f, 3.25f, 0f, 1e-8f, -7f}, 2, 3));
        m.put("d", HostArray.of(new double[] {Math.PI}, 1));
        m.put("step", HostArray.of(new long[] {42}));
        m.put("i", HostArray.of(new int[] {-1, 2, 3}, 3));
        m.put("empty", HostArray.of(new float[0], 0, 4));
        m.put("flags", HostArray.wrap(ElementType.BOOL, new long[] {2}, new byte[] {1, 0}));
        m.put("h", HostArray.wrap(ElementType.BFLOAT16, new long[] {1}, new byte[] {(byte) 0xC0, 0x3F}));
        return m;
    }

    /** Issue 17 #10: metadata is written sorted, so identical contents give identical bytes whatever the map order. */
    @Test
    void metadataOrderDoesNotChangeTheBytes() throws IOException {
        Map<String, HostArray> t = Map.of("w", HostArray.of(new float[] {1, 2}, 2));
        Map<String, String> forward = new LinkedHashMap<>();
        forward.put("kind", "ADAM");
        forward.put("steps", "12");
        forward.put("alpha", "x");
        Map<String, String> backward = new LinkedHashMap<>();
        backward.put("alpha", "x");
        backward.put("steps", "12");
        backward.put("kind", "ADAM");
        Safetensors.write(tmp.resolve("a.safetensors"), t, forward);
        Safetensors.write(tmp.resolve("b.safetensors"), t, backward);
        byte[] a = Files.readAllBytes(tmp.resolve("a.safetensors"));
        assertArrayEquals(a, Files.readAllBytes(tmp.resolve("b.safetensors")));
        String header = new String(a, 8, (int) ByteBuffer.wrap(a, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(),
                StandardCharsets.UTF_8);
        assertTrue(header.contains("{\"alpha\":\"x\",\"kind\":\"ADAM\",\"steps\":\"12\"}"), header);
    }

    @Test
    void roundTripKeepsTypesShapesValuesOrderAndMetadata() throws IOException {
        Path f = tmp.resolve("a.safetensors");
        Safetensors.write(f, sample(), Map.of("format", "pt", "step", "42"));
        Safetensors.Contents c = Safetensors.load(f);
        assertEquals(sample(), c.tensors());
        assertEquals(List.copyOf(sample().keySet()), List.copyOf(c.tensors().keySet()));
        assertEquals(Map.of("format", "pt", "step", "42"), c.metadata());
        assertEquals(1.5f, c.tensors().get("h").toFloatArray()[0]); // bf16 0x3FC0
    }

    @Test
    void headerIsPaddedToEightBytesAndOffsetsAreContiguous() throws IOException {
        Path f = tmp.resolve("b.safetensors");
        Safetensors.write(f, sample(), Map.of());
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8);
        String json = new String(all, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{") && json.stripTrailing().endsWith("}"), json);
        JsonNode h = new ObjectMapper().readTree(json);
        assertTrue(h.get("__metadata__") == null, "no metadata entry when none was given");
        assertEquals("F32", h.get("w").get("dtype").asText());
        // Laid out by element size, largest first, in insertion order within a size: d, step | w, i, empty | h | flags
        assertEquals("[0,8]", h.get("d").get("data_offsets").toString());
        assertEquals("[8,16]", h.get("step").get("data_offsets").toString());
        assertEquals("[16,40]", h.get("w").get("data_offsets").toString());
        assertEquals("[40,52]", h.get("i").get("data_offsets").toString());
        assertEquals("[52,52]", h.get("empty").get("data_offsets").toString());
        assertEquals("[52,54]", h.get("h").get("data_offsets").toString());
        assertEquals("[54,56]", h.get("flags").get("data_offsets").toString());
        assertEquals("[]", h.get("step").get("shape").toString());
        assertEquals(all.length - 8 - n, 56, "tensors cover the data area exactly");
    }

    @Test
    void readsAHandBuiltFile() throws IOException {
        Path f = file("{\"__metadata__\":{\"k\":\"v\"},\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", floats(1.5f, -2f), longs(-9));
        Safetensors.Contents c = Safetensors.load(f);
        assertEquals(List.of("b", "a"), List.copyOf(c.tensors().keySet()), "header order");
        assertArrayEquals(new float[] {1.5f, -2f}, c.tensors().get("a").toFloatArray());
        assertArrayEquals(new long[] {-9}, c.tensors().get("b").toLongArray());
        assertEquals(0, c.tensors().get("b").rank());
        assertEquals(Map.of("k", "v"), c.metadata());
    }

    @Test
    void invalidFilesAreRejectedWithTheReason() throws IOException {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        bad("overlap", "{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", floats(1, 2));
        bad("starts at data offset 4", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                floats(1, 2));
        bad("need", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", floats(1, 2));
        bad("truncated", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", floats(1, 2));
        bad("holds 12", "{" + a + "}", floats(1, 2, 3));
        bad("dtype", "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", floats(1, 2));
        bad("Duplicate", "{" + a + "," + a + "}", floats(1, 2));
        bad("must be a string", "{\"__metadata__\":{\"k\":1}," + a + "}", floats(1, 2));
        bad("non-negative", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", floats(1, 2));
        bad("not valid JSON", "{\"a\":", floats(1, 2));
        Path huge = tmp.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertTrue(assertThrows(WeightFormatException.class, () -> Safetensors.read(huge)).getMessage()
                .contains("header length 1000"));
    }

    @Test
    void everyTruncationOfAWrittenFileIsRejected() throws IOException {
        Path f = tmp.resolve("t.safetensors");
        Safetensors.write(f, sample(), Map.of("a", "b"));
        byte[] all = Files.readAllBytes(f);
        Path cut = tmp.resolve("cut.safetensors");
        for (int n = 0; n < all.length; n++) {
            Files.write(cut, Arrays.copyOf(all, n));
            assertThrows(WeightFormatException.class, () -> Safetensors.read(cut), "cut at " + n);
        }
    }

    @Test
    void pthFixtureConvertsLosslessly() throws IOException {
        LinkedHashMap<String, HostArray> pth = PthReader.read(Fixtures.pthDir().resolve("small_legacy.pth"));
        Path f = tmp.resolve("c.safetensors");
        Safetensors.write(f, pth, Map.of());
        assertEquals(pth, Safetensors.read(f));
    }

    private void bad(String expectedText, String header, byte[] data) throws IOException {
        Path f = file(header, data);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> Safetensors.read(f), header);
        assertTrue(e.getMessage().contains(expectedText) && e.getMessage().contains(f.toString()), e.getMessage());
    }

    private Path file(String header, byte[]... data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        for (byte[] d : data) {
            out.write(d);
        }
        Path f = Files.createTempFile(tmp, "h", ".safetensors");
        Files.write(f, out.toByteArray());
        return f;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return b.array();
    }
}
