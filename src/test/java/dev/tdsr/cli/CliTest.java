package dev.tdsr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliTest {
    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setOut(new java.io.PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
        cl.setErr(new java.io.PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
        int code = cl.execute(args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void infoReportsTheEngine() {
        Result r = run("info", "--device", "cpu", "--threads", "1");
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
        Result r = run("info", "--device", "cuda");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: --device cuda:"), r.err());
    }

    @Test
    void unknownDeviceIsRejected() {
        Result r = run("info", "--device", "tpu");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown device 'tpu'"), r.err());
    }

    @Test
    void helpAndVersion() {
        Result help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("info"), help.out());
        Result version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("tdsr-native"), version.out());
    }
}
