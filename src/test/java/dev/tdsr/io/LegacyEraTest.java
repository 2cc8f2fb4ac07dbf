package dev.tdsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 2017–2018 era the released DBPN and ssd.pytorch weights come from, on a synthetic file written by
 * {@code fixtures/pth/make_synthetic_v03.py} (plain pickle, stub torch modules), and the pickle VM on hand-built
 * byte strings.
 */
class LegacyEraTest {
    @TempDir
    Path tmp;

    private static Path synthetic() {
        return Fixtures.pthDir().resolve("synthetic_v03.pth");
    }

    @Test
    void pytorch03FileWithWrapperDictViewsAndCudaStorages() throws IOException {
        PthReader.Contents c = PthReader.load(synthetic());
        assertEquals(PthReader.Format.LEGACY, c.format());
        assertTrue(c.globals().containsAll(List.of("torch._utils._rebuild_tensor", "torch.cuda.FloatStorage",
                "torch.cuda.LongStorage")), c.globals().toString());
        assertEquals(List.of("module.conv.weight", "module.conv.weight_t", "module.view", "steps"),
                List.copyOf(c.tensors().keySet()), "the state_dict entry of {'epoch', 'lr', 'state_dict'}");
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, c.tensors().get("module.conv.weight").toFloatArray());
        // size (4, 2), stride (1, 4): element (i, j) = storage[i + 4j]
        assertArrayEquals(new float[] {0, 4, 1, 5, 2, 6, 3, 7},
                c.tensors().get("module.conv.weight_t").toFloatArray());
        // storage view at element 2, tensor offset 1 inside it
        assertArrayEquals(new float[] {3, 4}, c.tensors().get("module.view").toFloatArray());
        assertArrayEquals(new long[] {-5, 1L << 40}, c.tensors().get("steps").toLongArray());
        assertEquals(8 + 8 + 2 + 2, c.totalElements());
    }

    @Test
    void globalsOutsideTheWhitelistAreRefused() throws IOException {
        byte[] all = Files.readAllBytes(synthetic());
        String text = new String(all, StandardCharsets.ISO_8859_1);
        Path f = tmp.resolve("evil.pth");
        Files.write(f, text.replace("collections\nOrderedDict\n", "subprocess\ncheck_output\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        WeightFormatException e = assertThrows(WeightFormatException.class, () -> PthReader.read(f));
        assertTrue(e.getMessage().contains("unsupported global subprocess.check_output"), e.getMessage());
    }

    @Test
    void pickleVmDecodesPython2StringsWideIntsAndFloats() throws IOException {
        // PROTO 2, SHORT_BINSTRING 'ab', LONG1 [ff] = -1, LONG1 2^64, BINFLOAT 0.5 (big-endian), NEWTRUE, NONE,
        // TUPLE (since MARK), STOP
        byte[] p = {(byte) 0x80, 2, 0x28, 0x55, 2, 'a', 'b', (byte) 0x8A, 1, (byte) 0xFF,
            (byte) 0x8A, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x47, 0x3F, (byte) 0xE0, 0, 0, 0, 0, 0, 0,
            (byte) 0x88, 0x4E, 0x74, 0x2E};
        Object v = Pickle.load(p, 0, "t", (m, n) -> null, pid -> null).value();
        assertEquals(java.util.Arrays.asList("ab", -1L, BigInteger.ONE.shiftLeft(64), 0.5, true, null), v);
    }

    @Test
    void unknownOpcodeAndTruncationAreNamed() {
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> Pickle.load(new byte[] {(byte) 0x80, 2, 0x56}, 0, "x.pth", (m, n) -> null, pid -> null));
        assertEquals("x.pth: unsupported pickle opcode 0x56 ('V') at pickle offset 2", e.getMessage());
        e = assertThrows(WeightFormatException.class,
                () -> Pickle.load(new byte[] {(byte) 0x80, 2, 0x58, 9, 0, 0, 0, 'a'}, 0, "x.pth", null, null));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("offset 7"), e.getMessage());
    }
}
