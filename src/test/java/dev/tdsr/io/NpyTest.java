package dev.tdsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path tmp;

    @Test
    void headerIsExactlyWhatNumpyWrites() throws IOException {
        float[] v = new float[60];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f - 3;
        }
        Path f = tmp.resolve("x.npy");
        Npy.write(f, v, 1, 3, 4, 5);
        byte[] all = Files.readAllBytes(f);
        // numpy 2.4 np.save of a (1, 3, 4, 5) float32 array: data at byte 128, header length 118.
        assertEquals(128 + 60 * 4, all.length);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0}, Arrays.copyOf(all, 10));
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 4, 5), }";
        String header = new String(all, 10, 118, StandardCharsets.US_ASCII);
        assertEquals(dict + " ".repeat(118 - dict.length() - 1) + "\n", header);
        assertEquals(Float.floatToIntBits(-3f), (all[128] & 0xff) | (all[129] & 0xff) << 8
                | (all[130] & 0xff) << 16 | (all[131] & 0xff) << 24, "little-endian data at 128");
        HostArray back = Npy.read(f);
        assertArrayEquals(new long[] {1, 3, 4, 5}, back.shape());
        assertArrayEquals(v, back.toFloatArray());
    }

    @Test
    void oneAndZeroDimensionalShapesUsePythonTupleSyntax() {
        assertTrue(new String(Npy.header(ElementType.FLOAT32, new long[] {5}), StandardCharsets.US_ASCII)
                .contains("'shape': (5,), }"));
        assertTrue(new String(Npy.header(ElementType.FLOAT32, new long[0]), StandardCharsets.US_ASCII)
                .contains("'shape': (), }"));
    }

    @Test
    void dataAlwaysStartsOnA64ByteBoundaryAndEndsWithNewline() {
        for (long[] shape : List.of(new long[0], new long[] {7}, new long[] {123456789012L, 3},
                new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})) {
            byte[] h = Npy.header(ElementType.FLOAT32, shape);
            assertEquals(0, h.length % 64, Arrays.toString(shape));
            assertEquals('\n', h[h.length - 1]);
            assertEquals(h.length - 10, (h[8] & 0xff) | (h[9] & 0xff) << 8);
        }
    }

    @Test
    void readRejectsWhatItCannotRepresent() throws IOException {
        Path f = tmp.resolve("f.npy");
        Npy.write(f, new float[] {1, 2}, 2);
        byte[] all = Files.readAllBytes(f);
        String text = new String(all, StandardCharsets.ISO_8859_1);
        Path fortran = tmp.resolve("fortran.npy");
        Files.write(fortran, text.replace("False", "True ").getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(WeightFormatException.class, () -> Npy.read(fortran)).getMessage()
                .contains("Fortran"));
        Path big = tmp.resolve("big.npy");
        Files.write(big, text.replace("<f4", ">f4").getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(WeightFormatException.class, () -> Npy.read(big)).getMessage().contains(">f4"));
        Path cut = tmp.resolve("cut.npy");
        Files.write(cut, Arrays.copyOf(all, all.length - 1));
        assertTrue(assertThrows(WeightFormatException.class, () -> Npy.read(cut)).getMessage()
                .contains("holds 7 bytes"));
    }

    @Test
    void npzStoredAndDeflatedRoundTrip() throws IOException {
        LinkedHashMap<String, HostArray> m = new LinkedHashMap<>();
        m.put("sr", HostArray.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3));
        m.put("scores", HostArray.of(new float[] {0.25f}, 1));
        m.put("count", HostArray.of(new long[] {3}));
        for (boolean deflate : new boolean[] {false, true}) {
            Path f = tmp.resolve("out-" + deflate + ".npz");
            Npz.write(f, m, deflate);
            assertEquals(m, Npz.read(f));
            try (ZipFile z = new ZipFile(f.toFile())) {
                ZipEntry e = z.getEntry("sr.npy");
                assertEquals(deflate ? ZipEntry.DEFLATED : ZipEntry.STORED, e.getMethod());
                byte[] npy = z.getInputStream(e).readAllBytes();
                assertEquals(m.get("sr"), Npy.read(npy, "sr.npy"));
            }
        }
    }
}
