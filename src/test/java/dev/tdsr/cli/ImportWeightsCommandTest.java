package dev.tdsr.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.Safetensors;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.nn.Tensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ImportWeightsCommandTest {
    @TempDir
    Path dir;

    private int run(ByteArrayOutputStream err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setOut(new PrintWriter(new ByteArrayOutputStream(), true));
        cl.setErr(new PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
        return cl.execute(args);
    }

    @Test
    void convertsDataParallelKeysIntoOurFolder() throws Exception {
        // an original-style D-DBPN 2x state dict ("module." keys, no config), as DBPN_x2.pth holds it
        Path source = dir.resolve("DBPN_x2.safetensors");
        try (Dbpn m = new Dbpn(DbpnConfig.original(2), CpuBackend.get(), DType.F32, 4)) {
            Map<String, HostArray> prefixed = new LinkedHashMap<>();
            ModelFiles.export(m.parameters()).forEach((k, v) -> prefixed.put("module." + k, v));
            Safetensors.write(source, prefixed, Map.of());
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(0, run(err, "import-weights", "--from", source.toString(), "--model", "dbpn", "--scale", "2",
                    "--to", dir.resolve("out").toString()), err.toString(StandardCharsets.UTF_8));
            assertTrue(Files.exists(dir.resolve("out/model.json")) && Files.exists(dir.resolve("out/weights.safetensors")));
            try (Dbpn back = ModelFiles.loadDbpn(dir.resolve("out"), CpuBackend.get(), null)) {
                assertEquals(DbpnConfig.original(2), back.config());
                assertArrayEquals(Tensors.read(m.parameters().slab()), Tensors.read(back.parameters().slab()), 0.0);
            }
        }
    }

    @Test
    void wrongModelKindAndMissingScaleAreOneLineErrors() throws Exception {
        Path source = dir.resolve("x.safetensors");
        Safetensors.write(source, Map.of("conv.weight", HostArray.of(new float[4], 2, 2)), Map.of());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, run(err, "import-weights", "--from", source.toString(), "--model", "dbpn", "--to",
                dir.resolve("o").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("error: ") && err.toString(StandardCharsets.UTF_8)
                .contains("--scale"), err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, run(err, "import-weights", "--from", source.toString(), "--model", "yolo", "--to",
                dir.resolve("o").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("expected dbpn or ssd300"), err.toString(StandardCharsets.UTF_8));
    }
}
