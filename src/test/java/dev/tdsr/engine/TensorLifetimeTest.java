package dev.tdsr.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorLifetimeTest {
    private static final Backend B = CpuBackend.get();

    @Test
    void closeIsIdempotentAndUseAfterCloseIsAnError() {
        Tensor t = B.allocate(2, 3);
        t.close();
        t.close();
        assertTrue(t.isClosed());
        assertThrows(IllegalStateException.class, t::toFloatArray);
    }

    @Test
    void scopeFreesEveryTemporaryOfAStep() {
        Tensor kept;
        try (Scope outer = Scope.open()) {
            for (int step = 0; step < 1000; step++) {
                try (Scope s = Scope.open()) {
                    Tensor a = B.allocate(64).fill(1);
                    Tensor b = B.allocate(64);
                    B.scale(a, 2, b);
                    assertEquals(2, s.size());
                }
            }
            assertEquals(0, outer.size(), "inner scopes must not leak into the outer one");
            try (Scope s = Scope.open()) {
                kept = B.allocate(4).fill(3).keep();
                B.allocate(4);
                assertEquals(1, s.size());
            }
            assertFalse(kept.isClosed(), "keep() hands the tensor to the enclosing scope");
            assertEquals(1, outer.size());
        }
        assertTrue(kept.isClosed(), "the enclosing scope frees what was kept into it");
    }

    @Test
    void viewsShareMemoryAndOutliveNothing() {
        try (Scope s = Scope.open()) {
            Tensor slab = B.allocate(10);
            Tensor v = slab.view(4, 2, 3);
            v.fill(5);
            assertArrayEquals(new float[] {0, 0, 0, 0, 5, 5, 5, 5, 5, 5}, slab.toFloatArray());
            assertThrows(InvalidTensorArgumentException.class, () -> slab.view(8, 3));
            assertThrows(InvalidTensorArgumentException.class, () -> slab.reshape(3, 3));
        }
    }

    @Test
    void dataRoundTripsInEveryDtype() {
        try (Scope s = Scope.open()) {
            assertArrayEquals(new float[] {1.5f, -2}, B.allocate(2).write(new float[] {1.5f, -2}).toFloatArray());
            assertArrayEquals(new double[] {1e-300, 3}, B.allocate(DType.F64, 2).write(new double[] {1e-300, 3}).toDoubleArray());
            assertArrayEquals(new int[] {7, -1}, B.allocate(DType.I32, 2).write(new int[] {7, -1}).toIntArray());
            assertThrows(InvalidTensorArgumentException.class, () -> B.allocate(3).write(new float[2]));
            assertThrows(InvalidTensorArgumentException.class, () -> B.allocate(2).write(new double[2]));
        }
    }
}
