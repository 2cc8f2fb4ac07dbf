package dev.tdsr.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy's {@code .npy} format, version 1.0: magic {@code \x93NUMPY}, bytes 1 0, u16 little-endian header length,
 * then an ASCII dict {@code {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 4, 5), }} padded with spaces
 * and ended by a newline so the data starts at a multiple of 64 bytes (byte-identical to numpy 2's
 * {@code np.save}); then the C-order little-endian data.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final int GROWTH_DIGITS = 21;
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** Writes float32 {@code values} with {@code shape} (atomically). */
    public static void write(Path file, float[] values, long... shape) throws IOException {
        write(file, HostArray.of(values, shape));
    }

    /** Writes any array that numpy has a dtype for (not bfloat16), atomically. */
    public static void write(Path file, HostArray array) throws IOException {
        AtomicFiles.write(file, out -> writeTo(out, array));
    }

    /**
     * A float32 .npy file of a fixed shape written in pieces at element offsets (C order), for arrays produced in an
     * order other than their layout, e.g. the rows of every channel plane of an image streamed band by band.
     */
    public static final class Float32Pieces {
        private final FileChannel channel;
        private final long dataStart;
        private final long count;

        /** Writes the header to {@code channel} (at 0) for {@code shape}. */
        public Float32Pieces(FileChannel channel, long... shape) throws IOException {
            byte[] header = header(ElementType.FLOAT32, shape);
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            this.channel = channel;
            this.dataStart = header.length;
            this.count = n;
            write(ByteBuffer.wrap(header), 0);
        }

        /** Puts {@code values[from, from+n)} at element {@code offset}. */
        public void put(long offset, float[] values, int from, int n) throws IOException {
            if (offset < 0 || offset + n > count) {
                throw new IllegalArgumentException("npy: elements [" + offset + ", " + (offset + n) + ") outside 0.."
                        + count);
            }
            ByteBuffer buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(values, from, n);
            write(buf, dataStart + 4 * offset);
        }

        private void write(ByteBuffer buf, long position) throws IOException {
            while (buf.hasRemaining()) {
                position += channel.write(buf, position);
            }
        }
    }

    static void writeTo(OutputStream out, HostArray array) throws IOException {
        out.write(header(array.type(), array.shape()));
        out.write(array.raw());
    }

    /** Magic, version, length and padded header dict: the bytes before the data. */
    static byte[] header(ElementType type, long[] shape) {
        if (type.numpyDescr() == null) {
            throw new IllegalArgumentException("numpy has no dtype for " + type.torchName());
        }
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(dims.length() == 0 ? "" : ", ").append(d);
        }
        if (shape.length == 1) {
            dims.append(','); // Python's one-element tuple
        }
        String dict = "{'descr': '" + type.numpyDescr() + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        // numpy >= 1.23 leaves room to grow shape[0] in place, then pads with at least one space to the alignment.
        int growth = shape.length == 0 ? 0 : Math.max(0, GROWTH_DIGITS - Long.toString(shape[0]).length());
        int prefix = MAGIC.length + 4;
        int unpadded = prefix + dict.length() + growth + 1;
        int total = unpadded + ALIGN - unpadded % ALIGN;
        if (total - prefix > 0xffff) {
            throw new IllegalArgumentException("npy header of " + (total - prefix) + " bytes exceeds version 1.0");
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) (total - prefix));
        b.put(dict.getBytes(StandardCharsets.US_ASCII));
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    public static HostArray read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    /** Parses a whole .npy image; {@code source} names it in errors. Versions 1.0, 2.0 and 3.0, C order only. */
    static HostArray read(byte[] bytes, String source) throws WeightFormatException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new WeightFormatException(source + ": not a .npy file (no \\x93NUMPY magic)");
        }
        int major = bytes[6];
        long headerLen = switch (major) {
            case 1 -> b.getShort(8) & 0xffff;
            case 2, 3 -> bytes.length < 12 ? -1 : b.getInt(8) & 0xffffffffL;
            default -> throw new WeightFormatException(source + ": unsupported .npy version " + major + "."
                    + bytes[7]);
        };
        int dataStart = (major == 1 ? 10 : 12) + (int) headerLen;
        if (headerLen < 0 || dataStart > bytes.length) {
            throw new WeightFormatException(source + ": truncated .npy header");
        }
        String header = new String(bytes, major == 1 ? 10 : 12, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeM = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeM.find()) {
            throw new WeightFormatException(source + ": .npy header lacks descr/fortran_order/shape: " + header.strip());
        }
        ElementType type = ElementType.fromNumpy(descr.group(1));
        if (type == null) {
            throw new WeightFormatException(source + ": unsupported .npy descr '" + descr.group(1)
                    + "' (little-endian f2/f4/f8/i1/i2/i4/i8/u1/b1 only)");
        }
        if (fortran.group(1).equals("True")) {
            throw new WeightFormatException(source + ": Fortran-order .npy files are not supported");
        }
        String[] parts = shapeM.group(1).split(",");
        long[] shape;
        try {
            shape = Arrays.stream(parts).map(String::strip).filter(s -> !s.isEmpty())
                    .mapToLong(Long::parseLong).toArray();
        } catch (NumberFormatException e) {
            throw new WeightFormatException(source + ": .npy shape '(" + shapeM.group(1) + ")' is not a tuple of ints");
        }
        long need = HostArray.numel(shape) * type.size();
        if (bytes.length - dataStart != need) {
            throw new WeightFormatException(source + ": .npy data holds " + (bytes.length - dataStart)
                    + " bytes, shape " + Arrays.toString(shape) + " of " + descr.group(1) + " needs " + need);
        }
        return HostArray.wrap(type, shape, Arrays.copyOfRange(bytes, dataStart, bytes.length));
    }
}
