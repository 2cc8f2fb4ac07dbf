package dev.tdsr.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Crash-safe writes. A file is written to a temp file in the same folder, fsynced, renamed over the target and the
 * folder fsynced, so readers see the old or the new content, never a mix. A checkpoint is a folder
 * {@code <root>/<name>/} built as {@code <root>/<name>.tmp-XXXX/}, fsynced, renamed into place, and only then named
 * by the one-line pointer file {@code <root>/latest}: a kill at any moment leaves the previous latest checkpoint
 * whole and pointed to. Assumes one writer per checkpoint root.
 */
public final class AtomicFiles {
    /** Name of the pointer file that holds the name of the newest complete checkpoint. */
    public static final String LATEST = "latest";
    private static final String TMP_MARK = ".tmp-";

    /** Writes content; may throw any IOException, which aborts the write and leaves the old content in place. */
    @FunctionalInterface
    public interface Writer<T> {
        void write(T target) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Checks, before any work, that {@code target} can be written as a file: not a directory (a rename would replace
     * an empty one), its folder exists and is writable. The IOException names {@code target}.
     */
    public static void checkWritable(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new IOException(target + ": is a directory; give a file name");
        }
        Path dir = abs.getParent();
        if (dir == null || !Files.exists(dir)) {
            throw new IOException(target + ": folder " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(target + ": " + dir + " is not a folder");
        }
        if (!Files.isWritable(dir)) {
            throw new IOException(target + ": folder " + dir + " is not writable");
        }
    }

    /**
     * Replaces {@code target} atomically with what {@code body} writes (closing the stream is allowed); refuses a
     * target that {@link #checkWritable} refuses.
     */
    public static void write(Path target, Writer<OutputStream> body) throws IOException {
        writeChannel(target, ch -> {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            body.write(new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    out.flush(); // keep the channel open for the fsync
                }
            });
            out.flush();
        });
    }

    /** As {@link #write(Path, Writer)} through a channel, for writers that place their bytes at chosen offsets. */
    public static void writeChannel(Path target, Writer<FileChannel> body) throws IOException {
        checkWritable(target);
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve("." + target.getFileName() + "." + randomSuffix() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.write(ch);
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        fsyncDirectory(dir);
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Writes checkpoint {@code name} under {@code root}: {@code files} fills a fresh temp folder (plain writes are
     * fine, everything is fsynced afterwards), which then becomes {@code root/name} and the new {@code latest}.
     * On failure the temp folder is deleted and the previous latest checkpoint is untouched. Refuses to replace the
     * current latest checkpoint; an existing folder of that name that is not latest (left by a kill between the
     * rename and the pointer update) is replaced. Leftover temp folders of earlier crashes are removed first.
     *
     * @return the final checkpoint folder
     */
    public static Path writeCheckpoint(Path root, String name, Writer<Path> files) throws IOException {
        if (name.isEmpty() || name.equals(LATEST) || name.contains(TMP_MARK) || name.startsWith(".")
                || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("checkpoint name '" + name + "' must be a plain folder name, not '"
                    + LATEST + "' and without '" + TMP_MARK + "'");
        }
        Files.createDirectories(root);
        removeStaleTemps(root);
        Path target = root.resolve(name);
        if (Files.exists(target)) {
            if (latest(root).map(target::equals).orElse(false)) {
                throw new FileAlreadyExistsException(target.toString(), null,
                        "is the latest checkpoint; refusing to replace it");
            }
            deleteTree(target);
        }
        Path temp = Files.createDirectory(root.resolve(name + TMP_MARK + randomSuffix()));
        try {
            files.write(temp);
            fsyncTree(temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException | Error e) {
            deleteTree(temp);
            throw e;
        }
        fsyncDirectory(root);
        writeString(root.resolve(LATEST), name + "\n");
        return target;
    }

    /**
     * Deletes checkpoint {@code name} under {@code root}, refusing the one {@code latest} names. The folder is first
     * renamed to a temp name, so a kill during the delete leaves only a temp folder (removed by the next
     * {@link #writeCheckpoint}), never a half-deleted checkpoint under its own name.
     */
    public static void deleteCheckpoint(Path root, String name) throws IOException {
        Path target = root.resolve(name);
        if (latest(root).map(target::equals).orElse(false)) {
            throw new IllegalArgumentException(target + " is the latest checkpoint; refusing to delete it");
        }
        if (!Files.isDirectory(target)) {
            return;
        }
        Path temp = root.resolve(name + TMP_MARK + randomSuffix());
        Files.move(target, temp, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(root);
        deleteTree(temp);
    }

    /** The folder that {@code root/latest} names, or empty when no checkpoint was completed yet. */
    public static Optional<Path> latest(Path root) throws IOException {
        Path pointer = root.resolve(LATEST);
        if (!Files.exists(pointer)) {
            return Optional.empty();
        }
        String name = Files.readString(pointer, StandardCharsets.UTF_8).strip();
        Path dir = root.resolve(name);
        if (name.isEmpty() || name.contains("/") || !Files.isDirectory(dir)) {
            throw new WeightFormatException(pointer + ": names checkpoint '" + name
                    + "', which is not a folder in " + root);
        }
        return Optional.of(dir);
    }

    /**
     * A name part for a temp sibling. Not {@code Files.createTemp*}: those create owner-only (0600/0700) entries,
     * which the rename would carry over to the checkpoint; these get the usual umask permissions.
     */
    private static String randomSuffix() {
        return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    private static void removeStaleTemps(Path root) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, "*" + TMP_MARK + "*")) {
            for (Path p : ds) {
                if (Files.isDirectory(p)) {
                    deleteTree(p);
                }
            }
        }
    }

    private static void fsyncTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                } else if (Files.isDirectory(p)) {
                    fsyncDirectory(p);
                }
            }
        }
    }

    /** Makes a rename durable. Some platforms (Windows) cannot open a folder for fsync; there it is skipped. */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not supported here; the rename itself is still atomic.
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
