package dev.tdsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PthReaderTest {
    private static Path dir;
    private static JsonNode expected;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fixtures() throws IOException {
        dir = Fixtures.pthDir();
        expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile()).get("tensors");
    }

    @ParameterizedTest
    @ValueSource(strings = {"small_zip.pth", "small_legacy.pth"})
    void everyKeyDtypeShapeAndValueMatchesTorch(String name) throws IOException {
        PthReader.Contents c = PthReader.load(dir.resolve(name));
        LinkedHashMap<String, HostArray> got = c.tensors();
        List<String> keys = new ArrayList<>();
        expected.fieldNames().forEachRemaining(keys::add);
        assertEquals(keys, new ArrayList<>(got.keySet()), "keys in file order");
        for (String key : keys) {
            JsonNode e = expected.get(key);
            HostArray a = got.get(key);
            assertEquals(e.get("dtype").asText(), a.type().torchName(), key);
            assertArrayEquals(longs(e.get("shape")), a.shape(), key);
            JsonNode values = e.get("values");
            assertEquals(values.size(), a.numel(), key);
            if (a.type().isFloating()) {
                double[] v = a.toDoubleArray();
                for (int i = 0; i < v.length; i++) {
                    assertEquals(values.get(i).asDouble(), v[i], 0.0, key + "[" + i + "]");
                }
            } else {
                long[] v = a.toLongArray();
                for (int i = 0; i < v.length; i++) {
                    JsonNode x = values.get(i);
                    assertEquals(x.isBoolean() ? (x.asBoolean() ? 1 : 0) : x.asLong(), v[i], key + "[" + i + "]");
                }
            }
        }
        assertEquals(c.format(), name.contains("zip") ? PthReader.Format.ZIP : PthReader.Format.LEGACY);
        assertTrue(c.globals().contains("torch._utils._rebuild_tensor_v2"), c.summary());
        assertEquals(15, got.size());
    }

    @Test
    void bothFormatsGiveIdenticalArrays() throws IOException {
        assertEquals(PthReader.read(dir.resolve("small_zip.pth")), PthReader.read(dir.resolve("small_legacy.pth")));
    }

    @Test
    void floatConversionOfHalfAndInts() throws IOException {
        Map<String, HostArray> m = PthReader.read(dir.resolve("small_zip.pth"));
        assertEquals(2.255859375f, m.get("half").toFloatArray()[0]);
        assertArrayEquals(new float[] {-3, -2, -1, 0, 1, 2}, m.get("int32").toFloatArray());
        assertArrayEquals(new float[] {1, 0, 1}, m.get("bool").toFloatArray());
        assertArrayEquals(new long[] {7}, m.get("bn.num_batches_tracked").toLongArray());
        assertEquals(0, m.get("bn.num_batches_tracked").rank());
    }

    @ParameterizedTest
    @ValueSource(strings = {"small_zip.pth", "small_legacy.pth"})
    void everyTruncationIsAWeightFormatExceptionNamingTheFile(String name) throws IOException {
        byte[] all = Files.readAllBytes(dir.resolve(name));
        Path cut = tmp.resolve("cut-" + name);
        // Strides coprime with the record sizes, so cuts land in every pickle, count field and storage.
        int step = name.contains("zip") ? 31 : 7;
        for (int n = 0; n < all.length; n += step) {
            Files.write(cut, Arrays.copyOf(all, n));
            WeightFormatException e = assertThrows(WeightFormatException.class, () -> PthReader.read(cut),
                    "cut at " + n);
            assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
        }
    }

    @Test
    void wrongMagicIsNamed() throws IOException {
        byte[] all = Files.readAllBytes(dir.resolve("small_legacy.pth"));
        all[5] ^= 1; // inside the magic number's LONG1 bytes
        Path f = write("magic.pth", all);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> PthReader.read(f));
        assertTrue(e.getMessage().contains("not a torch.save file") && e.getMessage().contains(f.toString()),
                e.getMessage());
    }

    @Test
    void unknownOpcodeNamesOpcodeAndOffset() throws IOException {
        byte[] all = Files.readAllBytes(dir.resolve("small_legacy.pth"));
        int objectStart = 137; // after magic, protocol and sys_info pickles (checked with pickletools)
        assertEquals((byte) 0x80, all[objectStart]);
        all[objectStart + 2] = (byte) 0xFE;
        Path f = write("opcode.pth", all);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> PthReader.read(f));
        assertTrue(e.getMessage().contains("opcode 0xFE") && e.getMessage().contains("offset 139"), e.getMessage());
    }

    @Test
    void missingZipStorageIsNamed() throws IOException {
        Path f = rewriteZip("missing.pth", "small_zip/data/3", null);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> PthReader.read(f));
        assertTrue(e.getMessage().contains("storage '3' is missing") && e.getMessage().contains(f.toString()),
                e.getMessage());
    }

    @Test
    void shortZipStorageIsASizeMismatch() throws IOException {
        Path f = rewriteZip("short.pth", "small_zip/data/0", new byte[212]);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> PthReader.read(f));
        assertTrue(e.getMessage().contains("storage '0' holds 212 bytes") && e.getMessage().contains("216"),
                e.getMessage());
    }

    @Test
    void legacyCountMismatchIsASizeMismatch() throws IOException {
        byte[] all = Files.readAllBytes(dir.resolve("small_legacy.pth"));
        int keysEnd = 1793; // end of the storage-key list pickle; the first storage's int64 count follows
        all[keysEnd] += 1;
        Path f = write("count.pth", all);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> PthReader.read(f));
        assertTrue(e.getMessage().contains("the pickle declares"), e.getMessage());
    }

    @Test
    void notATorchFile() throws IOException {
        Path f = write("text.pth", "hello world, not a checkpoint".getBytes());
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> PthReader.read(f));
        assertTrue(e.getMessage().contains("not a torch.save file"), e.getMessage());
    }

    @Test
    void wrapperDictIsUnwrappedAndOtherDictsAreRejected() throws IOException {
        Map<String, Object> inner = new LinkedHashMap<>();
        Map<String, Object> wrapper = new LinkedHashMap<>();
        wrapper.put("epoch", 3L);
        wrapper.put("model", inner);
        assertTrue(PthReader.stateDict("f", wrapper) == inner);
        wrapper.put("state_dict", new LinkedHashMap<>());
        assertTrue(PthReader.stateDict("f", wrapper) != inner, "state_dict is tried before model");
        Map<String, Object> bad = Map.of("epoch", 3L);
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> PthReader.stateDict("f", bad));
        assertTrue(e.getMessage().contains("state_dict/model"), e.getMessage());
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    /** Copies the zip fixture, dropping entry {@code name} (replacement null) or replacing its bytes. */
    private Path rewriteZip(String out, String name, byte[] replacement) throws IOException {
        Path f = tmp.resolve(out);
        try (ZipFile in = new ZipFile(dir.resolve("small_zip.pth").toFile());
                ZipOutputStream zos = new ZipOutputStream(Files.newOutputStream(f))) {
            for (Iterator<? extends ZipEntry> it = in.entries().asIterator(); it.hasNext();) {
                ZipEntry e = it.next();
                byte[] data;
                try (InputStream s = in.getInputStream(e)) {
                    data = s.readAllBytes();
                }
                if (e.getName().equals(name)) {
                    if (replacement == null) {
                        continue;
                    }
                    data = replacement;
                }
                zos.putNextEntry(new ZipEntry(e.getName()));
                zos.write(data);
                zos.closeEntry();
            }
        }
        return f;
    }

    private static long[] longs(JsonNode n) {
        long[] out = new long[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asLong();
        }
        return out;
    }
}
