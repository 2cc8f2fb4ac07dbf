package dev.tdsr.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** numpy's {@code .npz}: a zip archive with one {@code <name>.npy} entry per array, stored or deflated. */
public final class Npz {
    private Npz() {
    }

    /** Writes the arrays in the given order (atomically); {@code deflate} chooses compression like savez_compressed. */
    public static void write(Path file, Map<String, HostArray> arrays, boolean deflate) throws IOException {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, HostArray> e : arrays.entrySet()) {
                ByteArrayOutputStream npy = new ByteArrayOutputStream(e.getValue().byteSize() + 128);
                Npy.writeTo(npy, e.getValue());
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                if (!deflate) { // a stored entry must declare its size and CRC up front
                    CRC32 crc = new CRC32();
                    crc.update(npy.toByteArray());
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(npy.size());
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                npy.writeTo(zip);
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    /** Arrays by name (the entry name without {@code .npy}), in archive order. */
    public static LinkedHashMap<String, HostArray> read(Path file) throws IOException {
        LinkedHashMap<String, HostArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (Iterator<? extends ZipEntry> it = zip.entries().asIterator(); it.hasNext();) {
                ZipEntry e = it.next();
                String name = e.getName().endsWith(".npy")
                        ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(name, Npy.read(in.readAllBytes(), file + "!" + e.getName()));
                }
            }
        } catch (ZipException e) {
            throw new WeightFormatException(file + ": not a readable .npz (zip) archive: " + e.getMessage(), e);
        }
        return out;
    }
}
