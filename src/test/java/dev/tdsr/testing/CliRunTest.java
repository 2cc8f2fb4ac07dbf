package dev.tdsr.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CliRunTest {
    @Test
    void logRecordsOfOtherTestsAreDroppedFromStderr() {
        String err = "Dec 01, 2026 12:13:31 PM dev.tdsr.engine.Tensor$Release run\n"
                + "WARNING: tensor F64[2, 3, 4, 4] was never closed; freed by the GC\n"
                + "error: --threads must be between 1 and 8\n";
        assertEquals("error: --threads must be between 1 and 8\n", CliRun.withoutLogRecords(err));
        assertEquals("warning: x\nerror: y", CliRun.withoutLogRecords("warning: x\nerror: y"));
    }
}
