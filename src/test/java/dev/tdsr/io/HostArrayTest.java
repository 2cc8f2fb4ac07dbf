package dev.tdsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostArrayTest {
    @Test
    void halfPrecisionDecodesEveryClassOfValue() {
        assertEquals(1.0f, HostArray.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, HostArray.halfToFloat((short) 0xC000));
        assertEquals(65504f, HostArray.halfToFloat((short) 0x7BFF)); // largest normal
        assertEquals(0x1p-24f, HostArray.halfToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(0x1p-14f, HostArray.halfToFloat((short) 0x0400)); // smallest normal
        assertEquals(Float.NEGATIVE_INFINITY, HostArray.halfToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(HostArray.halfToFloat((short) 0x7E00)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(HostArray.halfToFloat((short) 0x8000)));
    }

    @Test
    void conversionsAndValidation() {
        HostArray a = HostArray.of(new int[] {-3, 4}, 2);
        assertArrayEquals(new double[] {-3, 4}, a.toDoubleArray());
        assertArrayEquals(new long[] {-3, 4}, a.toLongArray());
        HostArray u = HostArray.wrap(ElementType.UINT8, new long[] {2}, new byte[] {(byte) 255, 1});
        assertArrayEquals(new float[] {255, 1}, u.toFloatArray());
        assertThrows(IllegalStateException.class, () -> HostArray.of(new float[] {1}, 1).toLongArray());
        assertThrows(IllegalArgumentException.class, () -> HostArray.of(new float[] {1, 2}, 3));
        assertEquals(1, HostArray.of(new double[] {2.5}).numel(), "0-d holds one element");
        assertEquals(0, HostArray.of(new float[0], 0, 5).numel());
        assertEquals("float32[2, 1]", HostArray.of(new float[] {1, 2}, 2, 1).toString());
    }
}
