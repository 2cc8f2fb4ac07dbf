package dev.tdsr.cli;

import static dev.tdsr.testing.CliRun.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.testing.CliRun;
import org.junit.jupiter.api.Test;

class CliTest {

    @Test
    void infoReportsTheEngine() {
        CliRun.Result r = run("info", "--device", "cpu", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("libtdsr_cpu loaded"), r.out());
        assertTrue(r.out().contains("backend       cpu (asked for)"), r.out());
        assertTrue(r.out().contains("threads       1"), r.out());
        assertTrue(r.out().contains("OpenBLAS"), r.out());
    }

    @Test
    void cudaWithoutAGpuIsAClearErrorNotAFallback() {
        org.junit.jupiter.api.Assumptions.assumeFalse(dev.tdsr.engine.CudaProbe.get().available(),
                "a CUDA device is present: this test is about machines without one");
        CliRun.Result r = run("info", "--device", "cuda");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: --device cuda:"), r.err());
    }

    @Test
    void unknownDeviceIsRejected() {
        CliRun.Result r = run("info", "--device", "tpu");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown device 'tpu'"), r.err());
    }

    @Test
    void helpAndVersion() {
        CliRun.Result help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("info"), help.out());
        CliRun.Result version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("tdsr-native"), version.out());
    }

    @Test
    void benchStepNamesItsParts() {
        CliRun.Result r = run("bench-step", "--device", "cpu", "--part", "backward");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("expected step, sr-forward or detector-forward, got 'backward'"), r.err());
    }
}
