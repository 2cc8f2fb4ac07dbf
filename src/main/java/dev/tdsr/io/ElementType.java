package dev.tdsr.io;

import java.util.Locale;

/** Element type of a tensor stored in a file, with its names in the formats this package reads and writes. */
public enum ElementType {
    FLOAT32(4, "F32", "<f4", true),
    FLOAT16(2, "F16", "<f2", true),
    BFLOAT16(2, "BF16", null, true),
    FLOAT64(8, "F64", "<f8", true),
    INT64(8, "I64", "<i8", false),
    INT32(4, "I32", "<i4", false),
    INT16(2, "I16", "<i2", false),
    INT8(1, "I8", "|i1", false),
    UINT8(1, "U8", "|u1", false),
    BOOL(1, "BOOL", "|b1", false);

    private final int size;
    private final String safetensorsName;
    private final String numpyDescr;
    private final boolean floating;

    ElementType(int size, String safetensorsName, String numpyDescr, boolean floating) {
        this.size = size;
        this.safetensorsName = safetensorsName;
        this.numpyDescr = numpyDescr;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    public boolean isFloating() {
        return floating;
    }

    /** PyTorch's name: float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool. */
    public String torchName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The safetensors dtype string (F32, BF16, ...). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The numpy little-endian descr ({@code <f4}, ...), or null where numpy has none (bfloat16). */
    public String numpyDescr() {
        return numpyDescr;
    }

    public static ElementType fromSafetensors(String name) {
        for (ElementType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    public static ElementType fromNumpy(String descr) {
        for (ElementType t : values()) {
            if (descr.equals(t.numpyDescr)) {
                return t;
            }
        }
        return null;
    }
}
