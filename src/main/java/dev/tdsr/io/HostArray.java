package dev.tdsr.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor read from (or to be written to) a file, held on the Java heap: its element type as stored, its shape and
 * its elements in logical row-major (C) order as little-endian bytes. Immutable; the conversions copy.
 * Limited to 2 GiB of data per tensor (one Java array).
 */
public final class HostArray {
    private final ElementType type;
    private final long[] shape;
    private final byte[] data;

    private HostArray(ElementType type, long[] shape, byte[] data) {
        this.type = type;
        this.shape = shape.clone();
        long n = numel(this.shape);
        if (n * type.size() != data.length) {
            throw new IllegalArgumentException("HostArray " + type.torchName() + Arrays.toString(shape) + " needs "
                    + n * type.size() + " bytes, got " + data.length);
        }
        this.data = data;
    }

    /**
     * Wraps little-endian, row-major element bytes; takes ownership of {@code data} (no copy: do not modify it
     * afterwards).
     */
    public static HostArray wrap(ElementType type, long[] shape, byte[] data) {
        return new HostArray(type, shape, data);
    }

    public static HostArray of(float[] values, long... shape) {
        ByteBuffer b = allocate(values.length, ElementType.FLOAT32);
        b.asFloatBuffer().put(values);
        return new HostArray(ElementType.FLOAT32, shape, b.array());
    }

    public static HostArray of(double[] values, long... shape) {
        ByteBuffer b = allocate(values.length, ElementType.FLOAT64);
        b.asDoubleBuffer().put(values);
        return new HostArray(ElementType.FLOAT64, shape, b.array());
    }

    public static HostArray of(long[] values, long... shape) {
        ByteBuffer b = allocate(values.length, ElementType.INT64);
        b.asLongBuffer().put(values);
        return new HostArray(ElementType.INT64, shape, b.array());
    }

    public static HostArray of(int[] values, long... shape) {
        ByteBuffer b = allocate(values.length, ElementType.INT32);
        b.asIntBuffer().put(values);
        return new HostArray(ElementType.INT32, shape, b.array());
    }

    private static ByteBuffer allocate(int n, ElementType t) {
        return ByteBuffer.allocate(Math.multiplyExact(n, t.size())).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Product of the dimensions (1 for a 0-d shape); rejects negative dimensions. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public ElementType type() {
        return type;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long numel() {
        return data.length / type.size();
    }

    /** A copy of the little-endian row-major element bytes. */
    public byte[] toBytes() {
        return data.clone();
    }

    /** Length of the element data in bytes. */
    public int byteSize() {
        return data.length;
    }

    /** The element bytes themselves, for writers in this package (not to be modified). */
    byte[] raw() {
        return data;
    }

    /** Element bytes as a read-only little-endian buffer (no copy). */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Elements as float, converted from any type (float64/int64 may round; bool is 0 or 1). */
    public float[] toFloatArray() {
        float[] out = new float[(int) numel()];
        ByteBuffer b = buffer();
        if (type == ElementType.FLOAT32) {
            b.asFloatBuffer().get(out);
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) doubleAt(b, i);
        }
        return out;
    }

    /** Elements as double, converted from any type (int64 beyond 2^53 may round). */
    public double[] toDoubleArray() {
        double[] out = new double[(int) numel()];
        ByteBuffer b = buffer();
        for (int i = 0; i < out.length; i++) {
            out[i] = doubleAt(b, i);
        }
        return out;
    }

    /** Elements as long, for integer and bool types; a floating type is refused rather than truncated. */
    public long[] toLongArray() {
        if (type.isFloating()) {
            throw new IllegalStateException("toLongArray on a " + type.torchName() + " tensor; use toDoubleArray");
        }
        long[] out = new long[(int) numel()];
        ByteBuffer b = buffer();
        for (int i = 0; i < out.length; i++) {
            out[i] = longAt(b, i);
        }
        return out;
    }

    private double doubleAt(ByteBuffer b, int i) {
        int at = i * type.size();
        return switch (type) {
            case FLOAT32 -> b.getFloat(at);
            case FLOAT64 -> b.getDouble(at);
            case FLOAT16 -> halfToFloat(b.getShort(at));
            case BFLOAT16 -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            default -> longAt(b, i);
        };
    }

    private long longAt(ByteBuffer b, int i) {
        int at = i * type.size();
        return switch (type) {
            case INT64 -> b.getLong(at);
            case INT32 -> b.getInt(at);
            case INT16 -> b.getShort(at);
            case INT8 -> b.get(at);
            case UINT8, BOOL -> b.get(at) & 0xff;
            default -> throw new IllegalStateException(type.torchName());
        };
    }

    /** IEEE 754 binary16 bits to float (exact; Float.float16ToFloat needs Java 20). */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        float v;
        if (exp == 0) {
            v = mant * 0x1p-24f; // subnormal
        } else if (exp == 31) {
            v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = Float.intBitsToFloat(((exp + 112) << 23) | (mant << 13));
        }
        return (h & 0x8000) == 0 ? v : -v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostArray a && a.type == type && Arrays.equals(a.shape, shape)
                && Arrays.equals(a.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return type.torchName() + Arrays.toString(shape);
    }
}
