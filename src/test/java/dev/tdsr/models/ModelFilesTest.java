package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.Safetensors;
import dev.tdsr.io.WeightFormatException;
import dev.tdsr.nn.HostDoubles;
import dev.tdsr.nn.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
    private static final DbpnConfig TINY_DBPN = new DbpnConfig(4, 8, 16, 2);
    private static final SsdConfig TINY_SSD = new SsdConfig(272, 1.0 / 16, 4, PriorBoxes.Sizes.VOC, false);

    @TempDir
    Path dir;

    private static void assertSameParameters(dev.tdsr.nn.ParameterSet a, dev.tdsr.nn.ParameterSet b) {
        assertEquals(a.list().size(), b.list().size());
        for (Parameter p : a.list()) {
            assertArrayEquals(HostDoubles.read(p.value()), HostDoubles.read(b.get(p.name()).value()), 0.0, p.name());
        }
    }

    /** Issue 17 #7: weights with NaN or Inf are refused on load, naming the file and the tensor. */
    @Test
    void nonFiniteWeightsAreRefusedNamingTheFileAndTheTensor() throws Exception {
        Path sr = dir.resolve("sr");
        try (Dbpn m = new Dbpn(TINY_DBPN, CpuBackend.get(), DType.F32, 11)) {
            ModelFiles.save(sr, m);
        }
        Path weights = sr.resolve(ModelFiles.WEIGHTS);
        Safetensors.Contents c = Safetensors.load(weights);
        String name = c.tensors().keySet().iterator().next();
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            LinkedHashMap<String, HostArray> t = new LinkedHashMap<>(c.tensors());
            HostArray a = t.get(name);
            float[] v = a.toFloatArray();
            v[2] = bad;
            t.put(name, HostArray.of(v, a.shape()));
            Safetensors.write(weights, t, c.metadata());
            WeightFormatException e = assertThrows(WeightFormatException.class,
                    () -> ModelFiles.loadDbpn(sr, CpuBackend.get(), null));
            assertTrue(e.getMessage().contains(weights.getFileName().toString()) && e.getMessage().contains(
                    "tensor '" + name + "' has 1 non-finite value(s) of " + v.length + " (the first, " + (double) bad
                            + ", at index 2)"), e.getMessage());
        }
        Path png = dir.resolve("in.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB),
                "png", png.toFile());
        dev.tdsr.testing.CliRun.Result r = dev.tdsr.testing.CliRun.run("sr", "--weights", sr.toString(), "--input",
                png.toString(), "--output", dir.resolve("o.png").toString(), "--device", "cpu", "--threads", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(weights + ": tensor '" + name + "' has 1 non-finite value(s)"), r.err());
        assertTrue(!Files.exists(dir.resolve("o.png")));
    }

    @Test
    void dbpnFolderRoundTrip() throws Exception {
        try (Dbpn m = new Dbpn(TINY_DBPN, CpuBackend.get(), DType.F32, 11)) {
            ModelFiles.save(dir.resolve("sr"), m);
            assertTrue(Files.readString(dir.resolve("sr/model.json")).contains("\"model\" : \"dbpn\""));
            try (Dbpn back = ModelFiles.loadDbpn(dir.resolve("sr"), CpuBackend.get(), null)) {
                assertEquals(TINY_DBPN, back.config());
                assertSameParameters(m.parameters(), back.parameters());
            }
            // the .safetensors alone carries its config in the metadata
            try (Dbpn back = ModelFiles.loadDbpn(dir.resolve("sr/weights.safetensors"), CpuBackend.get(), null)) {
                assertSameParameters(m.parameters(), back.parameters());
            }
        }
    }

    @Test
    void theBicubicResidualFlagTravelsWithTheWeightsAndOlderFilesReadAsWithout() throws Exception {
        DbpnConfig residual = new DbpnConfig(4, 8, 16, 2, true);
        try (Dbpn m = new Dbpn(residual, CpuBackend.get(), DType.F32, 11)) {
            ModelFiles.save(dir.resolve("sr"), m);
            try (Dbpn back = ModelFiles.loadDbpn(dir.resolve("sr"), CpuBackend.get(), null);
                    Dbpn alone = ModelFiles.loadDbpn(dir.resolve("sr/weights.safetensors"), CpuBackend.get(), null)) {
                assertEquals(residual, back.config());
                assertEquals(residual, alone.config());
            }
            Path json = dir.resolve("sr/model.json");
            String without = Files.readString(json).replaceAll(",\\s*\"residual\"\\s*:\\s*true", "");
            assertTrue(!without.contains("residual"), without);
            Files.writeString(json, without);
            try (Dbpn back = ModelFiles.loadDbpn(dir.resolve("sr"), CpuBackend.get(), null)) {
                assertEquals(TINY_DBPN, back.config());
            }
        }
    }

    @Test
    void ssdFolderRoundTrip() throws Exception {
        try (Ssd m = new Ssd(TINY_SSD, CpuBackend.get(), DType.F32, 5)) {
            ModelFiles.save(dir.resolve("det"), m);
            try (Ssd back = ModelFiles.loadSsd(dir.resolve("det/model.json"), CpuBackend.get(), null)) {
                assertEquals(TINY_SSD, back.config());
                assertSameParameters(m.parameters(), back.parameters());
            }
            WeightFormatException e = assertThrows(WeightFormatException.class,
                    () -> ModelFiles.loadDbpn(dir.resolve("det"), CpuBackend.get(), null));
            assertTrue(e.getMessage().contains("expected 'dbpn'"), e.getMessage());
        }
    }

    @Test
    void detectorFoldersRecordTheirClassNamesAndOldOnesStillLoad() throws Exception {
        try (Ssd m = new Ssd(TINY_SSD, CpuBackend.get(), DType.F32, 5)) {
            ModelFiles.save(dir.resolve("old"), m); // no names: as model.json files written before they were recorded
            java.util.List<String> names = new java.util.ArrayList<>();
            for (int i = 1; i < TINY_SSD.numClasses(); i++) {
                names.add("class" + i);
            }
            m.setClassNames(names);
            ModelFiles.save(dir.resolve("named"), m);
            String json = Files.readString(dir.resolve("named/model.json"));
            assertTrue(json.contains("\"classNames\"") && json.contains("\"input\""), json);
            try (Ssd back = ModelFiles.loadSsd(dir.resolve("named"), CpuBackend.get(), null);
                    Ssd old = ModelFiles.loadSsd(dir.resolve("old"), CpuBackend.get(), null)) {
                assertEquals(names, back.classNames());
                assertEquals(null, old.classNames());
            }
            Files.writeString(dir.resolve("named/model.json"), json.replace("\"class1\",", ""));
            WeightFormatException e = assertThrows(WeightFormatException.class,
                    () -> ModelFiles.loadSsd(dir.resolve("named"), CpuBackend.get(), null));
            assertTrue(e.getMessage().contains("\"classNames\" has " + (names.size() - 1) + " names"), e.getMessage());
            Files.writeString(dir.resolve("named/model.json"), json.replace("\"RGB\"", "\"BGR\""));
            e = assertThrows(WeightFormatException.class,
                    () -> ModelFiles.loadSsd(dir.resolve("named"), CpuBackend.get(), null));
            assertTrue(e.getMessage().contains("\"input\"") && e.getMessage().contains("channels RGB"), e.getMessage());
        }
    }

    @Test
    void everyDifferenceIsListedAndNothingIsHalfLoaded() throws Exception {
        try (Dbpn m = new Dbpn(TINY_DBPN, CpuBackend.get(), DType.F32, 11);
                Dbpn other = new Dbpn(TINY_DBPN, CpuBackend.get(), DType.F32, 12)) {
            LinkedHashMap<String, HostArray> dict = ModelFiles.export(other.parameters());
            dict.remove("output_conv.conv.bias");
            dict.put("feat0.conv.weight", HostArray.of(new float[3], 3));
            dict.put("extra.weight", HostArray.of(new float[1], 1));
            double[] before = HostDoubles.read(m.parameters().slab());
            WeightFormatException e = assertThrows(WeightFormatException.class,
                    () -> ModelFiles.loadInto(m.parameters(), dict, "file.pth"));
            String msg = e.getMessage();
            assertTrue(msg.contains("file.pth"), msg);
            assertTrue(msg.contains("output_conv.conv.bias"), msg);
            assertTrue(msg.contains("feat0.conv.weight"), msg);
            assertTrue(msg.contains("extra.weight"), msg);
            assertArrayEquals(before, HostDoubles.read(m.parameters().slab()), 0.0, "nothing may be written on a mismatch");
        }
    }

    @Test
    void originalDbpnKeysWithDataParallelPrefix() throws Exception {
        // DBPN_x*.pth hold the original config's tensors under "module.<name>": written here as a plain safetensors
        // (the .pth container itself is covered by PthReaderTest on real PyTorch files).
        DbpnConfig original = DbpnConfig.original(2);
        try (Dbpn source = new Dbpn(original, CpuBackend.get(), DType.F32, 3)) {
            Map<String, HostArray> prefixed = new LinkedHashMap<>();
            ModelFiles.export(source.parameters()).forEach((k, v) -> prefixed.put("module." + k, v));
            Path file = dir.resolve("DBPN_x2.safetensors");
            Safetensors.write(file, prefixed, Map.of());
            WeightFormatException e = assertThrows(WeightFormatException.class,
                    () -> ModelFiles.loadDbpn(file, CpuBackend.get(), null));
            assertTrue(e.getMessage().contains("--scale"), e.getMessage());
            try (Dbpn back = ModelFiles.loadDbpn(file, CpuBackend.get(), 2)) {
                assertEquals(original, back.config());
                assertEquals(5_953_526, back.parameters().count());
                assertSameParameters(source.parameters(), back.parameters());
            }
        }
    }

    @Test
    void badModelJsonNamesTheFile() throws Exception {
        Path folder = dir.resolve("bad");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("model.json"), "{\"model\": \"dbpn\", \"colour\": 3}");
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> ModelFiles.loadDbpn(folder, CpuBackend.get(), null));
        assertTrue(e.getMessage().contains("model.json") && e.getMessage().contains("colour"), e.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> ModelFiles.loadDbpn(dir.resolve("missing"), CpuBackend.get(), null));
    }

    @Test
    @Tag("slow")
    void vggBaseOnlyAndClassesFromHeads() throws Exception {
        try (Ssd full = new Ssd(SsdConfig.voc(), CpuBackend.get(), DType.F32, 9)) {
            // vgg16_reducedfc.pth: the vgg.* tensors without the prefix
            Map<String, HostArray> base = new LinkedHashMap<>();
            ModelFiles.export(full.parameters()).forEach((k, v) -> {
                if (k.startsWith("vgg.")) {
                    base.put(k.substring(4), v);
                }
            });
            Path file = dir.resolve("vgg16_reducedfc.safetensors");
            Safetensors.write(file, base, Map.of());
            try (Ssd back = ModelFiles.loadSsd(file, CpuBackend.get(), null)) {
                assertEquals(21, back.config().numClasses());
                assertArrayEquals(HostDoubles.read(full.parameters().get("vgg.0.weight").value()),
                        HostDoubles.read(back.parameters().get("vgg.0.weight").value()), 0.0);
            }
            Path whole = dir.resolve("ssd300_voc.safetensors");
            Safetensors.write(whole, ModelFiles.export(full.parameters()), Map.of());
            try (Ssd back = ModelFiles.loadSsd(whole, CpuBackend.get(), null)) {
                assertEquals(21, back.config().numClasses(), "class count from conf.0.weight (84 = 4 boxes x 21)");
                assertSameParameters(full.parameters(), back.parameters());
            }
        }
    }
}
