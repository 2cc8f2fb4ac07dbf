package dev.tdsr.train;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * An OS lock on a run folder ({@code run.lock}, {@link FileChannel#tryLock}), held for the whole run so that one
 * process owns the folder: a second {@code train} on the same {@code --out} fails before it touches anything, naming
 * the folder and the owner (pid, host and start time, which the owner writes into the lock file). The OS drops the
 * lock when the owner dies (even with kill -9), so a stale file never blocks a resume.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "run.lock";

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code runDir} (created if missing) or throws IllegalArgumentException naming the folder and its owner. */
    public static RunLock acquire(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Path file = runDir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String owner;
            try {
                owner = Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                owner = "";
            } finally {
                ch.close();
            }
            throw new IllegalArgumentException("run folder " + runDir + " is in use by another training process ("
                    + (owner.isEmpty() ? "owner unknown" : owner) + "; lock " + file
                    + "); wait for it to finish or choose another --out");
        }
        try {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "unknown host";
            }
            String owner = "pid " + ProcessHandle.current().pid() + " on " + host + ", started " + Instant.now();
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((owner + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
        return new RunLock(file, ch, lock);
    }

    public Path file() {
        return file;
    }

    /** Releases the lock (the file stays; its content only describes the last owner). */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (IOException ignored) {
            // the OS drops the lock with the process anyway
        }
    }
}
