package dev.tdsr.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Detection;
import dev.tdsr.models.DetectionOutput;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.PriorBoxes;
import dev.tdsr.models.Ssd;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskDrivenDetectorTest {
    private static final List<String> NAMES = List.of("cat", "dog", "bird");

    @TempDir
    static Path dir;

    static Path ssdDir;
    static Path srDir;
    static TaskDrivenDetector detector;

    @BeforeAll
    static void load() {
        ssdDir = TinyModels.ssd(dir.resolve("ssd"), 2);
        srDir = TinyModels.dbpn(dir.resolve("sr"), TinyModels.DBPN, 3);
        detector = TaskDrivenDetector.builder().setModel(ssdDir).optDevice("cpu").optClassNames(NAMES)
                .optReplicas(2).build();
    }

    @AfterAll
    static void close() {
        detector.close();
    }

    /** Decodes the heads to fractions of the frame with the models' decoder and scales by w, h by hand. */
    private static void assertBoxesAreFractionsTimesOriginalSize(Analysis a, int w, int h) {
        int p = a.priors();
        int c = a.classes();
        try (Scope s = Scope.open()) {
            Tensor loc = CpuBackend.get().allocate(DType.F32, 1, p, 4).write(a.loc());
            Tensor conf = CpuBackend.get().allocate(DType.F32, 1, p, c).write(a.conf());
            List<Detection> unit = new DetectionOutput(new PriorBoxes(TinyModels.SSD.priorSpec()), c, 0.01, 200, 0.45,
                    200).detect(loc, conf, new double[] {1}, new double[] {1});
            assertEquals(unit.size(), a.detections().size());
            assertFalse(unit.isEmpty());
            for (int i = 0; i < unit.size(); i++) {
                Detection u = unit.get(i);
                DetectedObject d = a.detections().get(i);
                assertEquals(u.classIndex(), d.classId());
                assertEquals(NAMES.get(u.classIndex() - 1), d.className());
                assertEquals(u.score(), d.score(), 0);
                assertEquals(u.x1() * w, d.x1(), 1e-9);
                assertEquals(u.y1() * h, d.y1(), 1e-9);
                assertEquals(u.x2() * w, d.x2(), 1e-9);
                assertEquals(u.y2() * h, d.y2(), 1e-9);
            }
        }
    }

    @Test
    void headsHaveThePriorLayoutAndBoxesAreInOriginalPixels() {
        Analysis a = detector.analyze(TinyModels.rgb(272, 272, 1));
        int priors = new PriorBoxes(TinyModels.SSD.priorSpec()).count();
        assertEquals(priors, a.priors());
        assertEquals(4, a.classes());
        assertEquals(priors * 4, a.loc().length);
        assertEquals(priors * 4, a.conf().length);
        assertBoxesAreFractionsTimesOriginalSize(a, 272, 272);
        // another size is resized to 272x272 and its boxes scaled by ITS width and height
        assertBoxesAreFractionsTimesOriginalSize(detector.analyze(TinyModels.rgb(150, 90, 2)), 150, 90);
    }

    @Test
    void withSuperResolutionTheDetectorSeesTheUnclampedSrOutput() throws Exception {
        BufferedImage lr = TinyModels.rgb(68, 68, 3);
        float[] srOut;
        try (SuperResolver sr = SuperResolver.builder().setModel(srDir).optDevice("cpu").build()) {
            srOut = sr.upscale(RgbPlanes.of(lr).rgb(), 68, 68); // 272x272: no resize before the detector
        }
        float[] loc;
        float[] conf;
        try (Ssd ssd = ModelFiles.loadSsd(ssdDir, CpuBackend.get(), null); Scope s = Scope.open()) {
            Ssd.Output out = ssd.forward(CpuBackend.get().allocate(DType.F32, 1, 3, 272, 272).write(srOut));
            loc = out.loc().toFloatArray();
            conf = out.conf().toFloatArray();
        }
        try (TaskDrivenDetector tdsr = TaskDrivenDetector.builder().setModel(ssdDir).optDevice("cpu")
                .optClassNames(NAMES).optSuperResolution(SuperResolver.builder().setModel(srDir).optScale(4)
                        .optDevice("cuda")) // the detector's backend is the SR's: its own device is not chosen
                .build()) {
            Analysis a = tdsr.analyze(lr);
            assertArrayEquals(loc, a.loc());
            assertArrayEquals(conf, a.conf());
            assertBoxesAreFractionsTimesOriginalSize(a, 68, 68);
        }
    }

    @Test
    void scoreThresholdFilters() {
        BufferedImage im = TinyModels.rgb(272, 272, 4);
        List<DetectedObject> all = detector.detect(im);
        double t = all.get(9).score(); // the 10th best of the lenient (0.01) run
        try (TaskDrivenDetector strict = TaskDrivenDetector.builder().setModel(ssdDir).optDevice("cpu")
                .optClassNames(NAMES).optScoreThreshold(t).build()) {
            List<DetectedObject> some = strict.detect(im);
            assertFalse(some.isEmpty());
            assertTrue(some.size() < all.size(), some.size() + " vs " + all.size());
            assertTrue(some.stream().allMatch(d -> d.score() > t));
        }
    }

    @Test
    void classNamesMustMatchTheModel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaskDrivenDetector.builder().setModel(ssdDir).optDevice("cpu").build());
        assertTrue(e.getMessage().contains("3 object classes") && e.getMessage().contains("VOC"), e.getMessage());
        ModelFileException m = assertThrows(ModelFileException.class,
                () -> TaskDrivenDetector.builder().setModel(srDir).optDevice("cpu").build());
        assertTrue(m.getMessage().contains("expected 'ssd300'"), m.getMessage());
    }

    @Test
    void eightThreadsAtOnceGiveTheSingleThreadedResults() throws Exception {
        List<BufferedImage> images = new ArrayList<>();
        List<Analysis> expected = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            images.add(TinyModels.rgb(200 + 10 * k, 272, 10 + k));
            expected.add(detector.analyze(images.get(k)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Analysis>> results = new ArrayList<>();
            for (BufferedImage im : images) {
                results.add(pool.submit(() -> detector.analyze(im)));
            }
            for (int k = 0; k < 8; k++) {
                Analysis got = results.get(k).get();
                assertArrayEquals(expected.get(k).conf(), got.conf());
                assertEquals(expected.get(k).detections(), got.detections());
            }
        } finally {
            pool.shutdown();
        }
    }
}
