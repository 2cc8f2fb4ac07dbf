package dev.tdsr.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.Safetensors;
import dev.tdsr.io.WeightFormatException;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.Parameter;
import dev.tdsr.testing.GradCheck;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VGG19 perceptual network: torchvision's layer table, its state dict's names, its gradient, its files. */
class Vgg19Test {
    @TempDir
    Path dir;

    @Test
    void fullSizeHasTorchvisionsParameterCountAndNames() {
        // vgg19().features up to conv5_4, (in*9 + 1)*out per 3x3 conv: 1,792 + 36,928 (block 1) + 73,856 + 147,584
        // (block 2) + 295,168 + 3 x 590,080 (block 3) + 1,180,160 + 3 x 2,359,808 (block 4) + 4 x 2,359,808
        // (block 5) = 20,024,384.
        try (Vgg19 v = new Vgg19(Vgg19Config.original(), CpuBackend.get(), DType.F32, 1)) {
            assertEquals(20_024_384L, v.parameters().count());
            // torchvision's indices count ReLUs and pools: conv1_1 = 0, conv2_1 = 5, conv5_4 = 34
            assertEquals(4, v.parameters().get("features.34.weight").value().ndim());
            assertArrayEquals(new long[] {128, 64, 3, 3}, v.parameters().get("features.5.weight").value().shape());
            assertThrows(IllegalArgumentException.class, () -> v.parameters().get("features.36.weight"));
        }
    }

    @Test
    void featuresGradientMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(3);
        try (Vgg19 v = new Vgg19(new Vgg19Config(1 / 32.0), GradCheck.cpu(), DType.F64, 2)) {
            GradCheck.randomize(v.parameters(), rnd, -0.5, 0.5);
            Layer asLayer = new Layer() {
                @Override
                public Tensor forward(Tensor x) {
                    return v.features(x);
                }

                @Override
                public Tensor backward(Tensor dy) {
                    return v.featuresBackward(dy);
                }
            };
            // 32x32: four pools leave 2x2 maps for block 5
            GradCheck.checkLayer("vgg19 features (relu5_4)", asLayer, null, GradCheck.random(rnd, 0, 1, 2, 3, 32, 32),
                    60, 5);
        }
    }

    @Test
    void torchvisionStateDictImportsAndRoundTrips() throws Exception {
        Path original = dir.resolve("vgg19-tiny.safetensors");
        LinkedHashMap<String, HostArray> dict = new LinkedHashMap<>();
        SplittableRandom rnd = new SplittableRandom(9);
        try (Vgg19 shape = new Vgg19(new Vgg19Config(1 / 16.0), CpuBackend.get(), DType.F32, 1)) {
            for (Parameter p : shape.parameters().list()) {
                float[] v = new float[Math.toIntExact(p.value().numel())];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) rnd.nextDouble(-0.3, 0.3);
                }
                dict.put(p.name(), HostArray.of(v, p.value().shape()));
            }
        }
        dict.put("classifier.0.weight", HostArray.of(new float[8], 2, 4)); // the dense head torchvision ships
        Safetensors.write(original, dict, Map.of());
        Path folder = dir.resolve("vgg19");
        try (Vgg19 imported = ModelFiles.loadVgg19(original, CpuBackend.get())) {
            assertEquals(1 / 16.0, imported.config().width());
            assertArrayEquals(dict.get("features.0.weight").toFloatArray(),
                    imported.parameters().get("features.0.weight").value().toFloatArray());
            ModelFiles.save(folder, imported);
        }
        SplittableRandom img = new SplittableRandom(4);
        try (Vgg19 a = ModelFiles.loadVgg19(original, CpuBackend.get());
                Vgg19 b = ModelFiles.loadVgg19(folder, CpuBackend.get());
                Scope s = Scope.open()) {
            Tensor x = GradCheck.random(CpuBackend.get(), DType.F32, img, 0, 1, 1, 3, 48, 48);
            assertArrayEquals(a.features(x).toFloatArray(), b.features(x).toFloatArray());
        }
        // a missing layer is named
        dict.remove("features.28.weight");
        Safetensors.write(original, dict, Map.of());
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> ModelFiles.loadVgg19(original, CpuBackend.get()));
        assertTrue(e.getMessage().contains("features.28.weight") && e.getMessage().contains(original.toString()),
                e.getMessage());
        // a D-DBPN folder is not a VGG19
        Path sr = dir.resolve("sr");
        try (Dbpn m = new Dbpn(new DbpnConfig(4, 4, 8, 2), CpuBackend.get(), DType.F32, 1)) {
            ModelFiles.save(sr, m);
        }
        e = assertThrows(WeightFormatException.class, () -> ModelFiles.loadVgg19(sr, CpuBackend.get()));
        assertTrue(e.getMessage().contains("describes a 'dbpn' model, expected 'vgg19'"), e.getMessage());
    }
}
