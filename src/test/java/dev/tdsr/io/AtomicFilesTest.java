package dev.tdsr.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path root;

    private static LinkedHashMap<String, HostArray> weights(float v) {
        LinkedHashMap<String, HostArray> m = new LinkedHashMap<>();
        m.put("w", HostArray.of(new float[] {v, v + 1, v + 2, v + 3}, 2, 2));
        return m;
    }

    private static void saveWeights(Path dir, float v) throws IOException {
        Safetensors.write(dir.resolve("model.safetensors"), weights(v), Map.of());
        Files.writeString(dir.resolve("state.json"), "{\"step\":" + (int) v + "}");
    }

    @Test
    void failedWriteKeepsTheOldFileAndLeavesNoTemp() throws IOException {
        Path f = root.resolve("a.txt");
        AtomicFiles.writeString(f, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write("new but half".getBytes());
            throw new IOException("No space left on device");
        }));
        assertEquals("No space left on device", e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), list(root));
        AtomicFiles.write(f, out -> {
            out.write("new".getBytes());
            out.close(); // a body may close its stream
        });
        assertEquals("new", Files.readString(f));
    }

    @Test
    void checkpointFailureHalfwayLeavesPreviousLatestLoadable() throws IOException {
        assertEquals(Optional.empty(), AtomicFiles.latest(root));
        Path first = AtomicFiles.writeCheckpoint(root, "step-000100", dir -> saveWeights(dir, 100));
        assertEquals(Optional.of(first), AtomicFiles.latest(root));

        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeCheckpoint(root, "step-000200",
                dir -> {
                    saveWeights(dir, 200);
                    try (OutputStream out = Files.newOutputStream(dir.resolve("optimizer.bin"))) {
                        out.write(new byte[1000]);
                        throw new IOException("No space left on device"); // disk full half way through
                    }
                }));
        assertEquals("No space left on device", e.getMessage());
        assertEquals(Optional.of(first), AtomicFiles.latest(root));
        assertEquals(weights(100), Safetensors.read(AtomicFiles.latest(root).get().resolve("model.safetensors")));
        assertEquals(List.of(root.resolve("latest"), first), list(root), "partial temp folder deleted");

        Path second = AtomicFiles.writeCheckpoint(root, "step-000200", dir -> saveWeights(dir, 200));
        assertEquals(Optional.of(second), AtomicFiles.latest(root));
        assertEquals(weights(200), Safetensors.read(second.resolve("model.safetensors")));
        assertTrue(Files.isDirectory(first), "older checkpoints are kept");
    }

    @Test
    void runtimeFailureAlsoCleansUp() throws IOException {
        AtomicFiles.writeCheckpoint(root, "a", dir -> saveWeights(dir, 1));
        assertThrows(IllegalStateException.class, () -> AtomicFiles.writeCheckpoint(root, "b", dir -> {
            throw new IllegalStateException("bug in a writer");
        }));
        assertEquals(List.of(root.resolve("a"), root.resolve("latest")), list(root));
    }

    @Test
    void orphansAndStaleTempsAreReplacedButLatestIsNot() throws IOException {
        Path a = AtomicFiles.writeCheckpoint(root, "a", dir -> saveWeights(dir, 1));
        // State after a kill between the rename and the pointer update, plus a kill during a write.
        Files.createDirectories(root.resolve("b"));
        Files.writeString(root.resolve("b/junk"), "x");
        Files.createDirectories(root.resolve("c.tmp-123"));
        Path b = AtomicFiles.writeCheckpoint(root, "b", dir -> saveWeights(dir, 2));
        assertFalse(Files.exists(b.resolve("junk")));
        assertFalse(Files.exists(root.resolve("c.tmp-123")));
        assertThrows(FileAlreadyExistsException.class, () -> AtomicFiles.writeCheckpoint(root, "b", dir -> { }));
        assertEquals(weights(2), Safetensors.read(b.resolve("model.safetensors")));
        assertTrue(Files.isDirectory(a));
        assertThrows(IllegalArgumentException.class, () -> AtomicFiles.writeCheckpoint(root, "latest", d -> { }));
        assertThrows(IllegalArgumentException.class, () -> AtomicFiles.writeCheckpoint(root, "../x", d -> { }));
    }

    @Test
    void checkpointsGetTheUsualPermissionsNotATempFoldersOwnerOnly() throws IOException {
        Path plainDir = Files.createDirectory(root.resolve("plain"));
        Path plainFile = Files.createFile(root.resolve("plain.txt"));
        Path ckpt = AtomicFiles.writeCheckpoint(root, "c", dir -> saveWeights(dir, 1));
        assertEquals(Files.getPosixFilePermissions(plainDir), Files.getPosixFilePermissions(ckpt));
        assertEquals(Files.getPosixFilePermissions(plainFile),
                Files.getPosixFilePermissions(ckpt.resolve("model.safetensors")));
        assertEquals(Files.getPosixFilePermissions(plainFile),
                Files.getPosixFilePermissions(root.resolve(AtomicFiles.LATEST)));
    }

    @Test
    void danglingPointerIsAnError() throws IOException {
        Files.writeString(root.resolve("latest"), "gone\n");
        assertTrue(assertThrows(WeightFormatException.class, () -> AtomicFiles.latest(root)).getMessage()
                .contains("'gone'"));
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
