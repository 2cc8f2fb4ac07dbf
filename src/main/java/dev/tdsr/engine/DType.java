package dev.tdsr.engine;

/** Element types of engine tensors. F64 exists so every kernel can be gradient-checked in double precision. */
public enum DType {
    F32(0, 4),
    F64(1, 8),
    I32(2, 4);

    /** The C API's code ({@code TDSR_F32}, ...). */
    public final int code;
    public final int bytes;

    DType(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }
}
