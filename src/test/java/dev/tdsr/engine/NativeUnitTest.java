package dev.tdsr.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the stand-alone C++ test programs CMake builds from {@code src/test/cpp} (the caching allocator's bin logic,
 * optimised and under AddressSanitizer): each must exit 0. Their output is printed, so a failure shows the failed
 * expression with its file and line.
 */
class NativeUnitTest {
    private static final Path DIR = Path.of(System.getProperty("tdsr.nativeTestDir", "target/cmake/native-tests"));

    @TestFactory
    Stream<DynamicTest> everyNativeTestProgramPasses() throws IOException {
        List<Path> programs;
        try (Stream<Path> files = Files.list(DIR)) {
            programs = files.filter(Files::isExecutable).sorted().toList();
        }
        assertFalse(programs.isEmpty(), "no native test programs in " + DIR.toAbsolutePath());
        return programs.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
    }

    private static void run(Path program) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(program.toAbsolutePath().toString()).redirectErrorStream(true);
        // ASan: fail on the first report, and no leak check (the host allocator is never destroyed by design).
        pb.environment().put("ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        System.out.print(out);
        assertEquals(0, p.exitValue(), program.getFileName() + " failed:\n" + out);
    }
}
