package dev.tdsr.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tdsr.api.TdsrException;
import dev.tdsr.data.BadInputPolicy;
import dev.tdsr.data.CocoReader;
import dev.tdsr.data.Image;
import dev.tdsr.data.VocReader;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.io.Npy;
import dev.tdsr.io.Npz;
import dev.tdsr.io.PthReader;
import dev.tdsr.io.Safetensors;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.study.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzz targets for every file reader (issue 17): each input must end in the reader's result or in
 * one of its documented errors (IOException incl. WeightFormatException, IllegalArgumentException incl.
 * DatasetFormatException, TdsrException); anything else (NullPointerException, NegativeArraySizeException,
 * OutOfMemoryError, ...) is a finding. In {@code mvn test} each target runs in regression mode over its seed corpus
 * {@code src/test/resources/dev/tdsr/fuzz/FileReadersFuzzTestInputs/<target>/} (seeds from the real fixtures; every
 * finding becomes a file there). To fuzz one target for Jazzer's default 5 minutes: {@code JAZZER_FUZZ=1 mvn -B test
 * -Dtdsr.cuda.archs=90-real -Djazzer.hooks=true -Dtest='FileReadersFuzzTest#safetensors'} (one target per run).
 */
class FileReadersFuzzTest {

    private interface Reader {
        void read(Path file) throws Exception;
    }

    /** Writes {@code data} to {@code name} in a fresh folder, reads it, and lets only documented errors through. */
    private static void run(byte[] data, String name, Reader reader) throws Exception {
        Path dir = Files.createTempDirectory("tdsr-fuzz");
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.write(file, data);
            try {
                reader.read(file);
            } catch (IOException | IllegalArgumentException | TdsrException expected) {
                // a clean, documented error
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @FuzzTest
    void pth(byte[] data) throws Exception {
        run(data, "model.pth", PthReader::read);
    }

    @FuzzTest
    void safetensors(byte[] data) throws Exception {
        run(data, "weights.safetensors", Safetensors::load);
    }

    @FuzzTest
    void npy(byte[] data) throws Exception {
        run(data, "a.npy", Npy::read);
    }

    @FuzzTest
    void npz(byte[] data) throws Exception {
        run(data, "a.npz", Npz::read);
    }

    /** A model folder's model.json (the weights are those of a tiny D-DBPN, written once). */
    @FuzzTest
    void modelJson(byte[] data) throws Exception {
        run(data, "sr/model.json", file -> {
            Files.copy(tinyWeights(), file.resolveSibling(ModelFiles.WEIGHTS));
            ModelFiles.loadDbpn(file.getParent(), CpuBackend.get(), null).close();
        });
    }

    private static Path weights;

    private static synchronized Path tinyWeights() throws IOException {
        if (weights == null) {
            Path dir = Files.createTempDirectory("tdsr-fuzz-model");
            try (var m = new dev.tdsr.models.Dbpn(new dev.tdsr.models.DbpnConfig(4, 8, 16, 2), CpuBackend.get(),
                    dev.tdsr.engine.DType.F32, 1)) {
                ModelFiles.save(dir, m);
            }
            weights = dir.resolve(ModelFiles.WEIGHTS);
            dir.toFile().deleteOnExit();
            weights.toFile().deleteOnExit();
            dir.resolve(ModelFiles.CONFIG).toFile().deleteOnExit();
        }
        return weights;
    }

    /** One VOC annotation in a devkit whose image is a real 8x6 JPEG. */
    @FuzzTest
    void vocXml(byte[] data) throws Exception {
        run(data, "VOC2007/Annotations/a.xml", file -> {
            Path kit = file.getParent().getParent();
            Files.createDirectories(kit.resolve("ImageSets/Main"));
            Files.createDirectories(kit.resolve("JPEGImages"));
            Files.writeString(kit.resolve("ImageSets/Main/trainval.txt"), "a\n");
            Image.blank(8, 6).write(kit.resolve("JPEGImages/a.jpg"));
            for (BadInputPolicy p : BadInputPolicy.values()) {
                try {
                    new VocReader(p).read(kit.getParent(), "trainval", "2007");
                } catch (IllegalArgumentException expected) {
                    // FAIL_FAST
                }
            }
        });
    }

    /** A COCO instances file beside two real 10x8 JPEGs. */
    @FuzzTest
    void cocoJson(byte[] data) throws Exception {
        run(data, "annotations/instances_val2017.json", file -> {
            Path root = file.getParent().getParent();
            Files.createDirectories(root.resolve("val2017"));
            for (String f : List.of("000000000001.jpg", "000000000002.jpg")) {
                Image.blank(10, 8).write(root.resolve("val2017").resolve(f));
            }
            for (BadInputPolicy p : BadInputPolicy.values()) {
                try {
                    new CocoReader(p).read(root, "val2017");
                } catch (IllegalArgumentException expected) {
                    // FAIL_FAST
                }
            }
            try {
                dev.tdsr.eval.CocoJson.readGroundTruth(file);
            } catch (IllegalArgumentException expected) {
                // validated ground truth
            }
        });
    }

    @FuzzTest
    void studyConfig(byte[] data) throws Exception {
        run(data, "study.json", file -> ConfigLoader.load(file, List.of()));
    }

    @FuzzTest
    void image(byte[] data) throws Exception {
        run(data, "in.img", file -> {
            try {
                Image.decode(file);
            } catch (UncheckedIOException e) {
                throw new AssertionError("decode leaked an UncheckedIOException", e);
            }
        });
    }
}
