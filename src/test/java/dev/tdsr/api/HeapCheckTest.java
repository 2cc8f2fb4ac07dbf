package dev.tdsr.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Issue 17 #6: an upscale the heap cannot hold is refused before computing, saying how much it needs. */
class HeapCheckTest {
    private static final long GIB = 1L << 30;

    @Test
    void tooLittleHeapIsAClearErrorWithTheFigures() {
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class,
                () -> SuperResolver.checkHeap(6000, 6000, 4, true, false, () -> 2 * GIB));
        assertEquals(4L * (3L * 36_000_000 + 576_000_000L * 5), e.neededBytes());
        assertEquals(2 * GIB, e.availableBytes());
        assertTrue(e.getMessage().startsWith("upscale: a 6000x6000 image at x4 (output 24000x24000) needs about "
                + "11.1 GiB of Java heap, but 2.0 GiB is available"), e.getMessage());
        SuperResolver.checkHeap(6000, 6000, 4, true, false, () -> 12 * GIB);
        SuperResolver.checkHeap(100, 100, 8, true, true, () -> GIB);
    }

    @Test
    void outputsBeyondAJavaArrayAreRefused() {
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class,
                () -> SuperResolver.checkHeap(20000, 20000, 8, false, false, () -> Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("more than one Java array holds"), e.getMessage());
    }
}
