package dev.tdsr.cli;

import static dev.tdsr.testing.CliRun.run;
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
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportWeightsCommandTest {
    @TempDir
    Path dir;

    @Test
    void convertsDataParallelKeysIntoOurFolder() throws Exception {
        // an original-style D-DBPN 2x state dict ("module." keys, no config), as DBPN_x2.pth holds it
        Path source = dir.resolve("DBPN_x2.safetensors");
        try (Dbpn m = new Dbpn(DbpnConfig.original(2), CpuBackend.get(), DType.F32, 4)) {
            Map<String, HostArray> prefixed = new LinkedHashMap<>();
            ModelFiles.export(m.parameters()).forEach((k, v) -> prefixed.put("module." + k, v));
            Safetensors.write(source, prefixed, Map.of());
            CliRun.Result r = run("import-weights", "--from", source.toString(), "--model", "dbpn", "--scale", "2",
                    "--to", dir.resolve("out").toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(Files.exists(dir.resolve("out/model.json")) && Files.exists(dir.resolve("out/weights.safetensors")));
            try (Dbpn back = ModelFiles.loadDbpn(dir.resolve("out"), CpuBackend.get(), null)) {
                assertEquals(DbpnConfig.original(2), back.config());
                assertArrayEquals(HostDoubles.read(m.parameters().slab()), HostDoubles.read(back.parameters().slab()), 0.0);
            }
        }
    }

    @Test
    void wrongModelKindAndMissingScaleAreOneLineErrors() throws Exception {
        Path source = dir.resolve("x.safetensors");
        Safetensors.write(source, Map.of("conv.weight", HostArray.of(new float[4], 2, 2)), Map.of());
        CliRun.Result r = run("import-weights", "--from", source.toString(), "--model", "dbpn", "--to",
                dir.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("--scale"), r.err());
        r = run("import-weights", "--from", source.toString(), "--model", "yolo", "--to", dir.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("expected dbpn, ssd300 or vgg19"), r.err());
    }
}
