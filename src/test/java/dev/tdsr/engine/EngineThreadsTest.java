package dev.tdsr.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.testing.CliRun;
import org.junit.jupiter.api.Test;

/** Issue 17 #1: thread counts are bounded before they reach OpenMP/OpenBLAS (100000 crashed, 16 on 2 vCPUs hung). */
class EngineThreadsTest {

    @Test
    void countsOutsideOneToFourTimesTheProcessorsAreErrors() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Engine.boundThreads(100000, 2, "--threads"))
                .getMessage().startsWith("--threads must be between 1 and 8"));
        assertThrows(IllegalArgumentException.class, () -> Engine.boundThreads(0, 2, "--threads"));
        assertThrows(IllegalArgumentException.class, () -> Engine.boundThreads(-3, 2, "--threads"));
        assertThrows(IllegalArgumentException.class, () -> Engine.boundThreads(9, 2, "--threads"));
    }

    @Test
    void countsAboveTheProcessorsAreCappedToThem() {
        assertEquals(2, Engine.boundThreads(8, 2, "--threads"));
        assertEquals(2, Engine.boundThreads(2, 2, "--threads"));
        assertEquals(1, Engine.boundThreads(1, 2, "--threads"));
        assertEquals(16, Engine.boundThreads(16, 32, "--threads"));
    }

    @Test
    void theCliRefusesAHugeCountAndCapsALargeOneWithAWarning() {
        int cpus = Runtime.getRuntime().availableProcessors();
        CliRun.Result huge = CliRun.run("info", "--device", "cpu", "--threads", "100000");
        assertEquals(2, huge.code(), huge.err());
        assertTrue(huge.err().startsWith("error: --threads must be between 1 and " + 4 * cpus), huge.err());

        CliRun.Result large = CliRun.run("info", "--device", "cpu", "--threads", String.valueOf(cpus + 1));
        assertEquals(0, large.code(), large.err());
        assertTrue(large.err().contains("warning: --threads " + (cpus + 1) + " is more than the " + cpus), large.err());
        assertTrue(large.out().contains("threads       " + cpus + " "), large.out());
        CliRun.run("info", "--device", "cpu", "--threads", "1");
    }
}
