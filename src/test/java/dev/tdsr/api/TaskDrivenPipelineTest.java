package dev.tdsr.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.models.FcnConfig;
import dev.tdsr.models.SegmentationTaskNetwork;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task-generic embedding API: a segmentation FCN (kind from its model.json) after D-DBPN gives the logits the
 * network gives S's output directly; an SSD folder gives the head outputs {@link TaskDrivenDetector} decodes.
 */
class TaskDrivenPipelineTest {
    @TempDir
    static Path dir;

    @Test
    void segmentationAfterSrGivesTheFcnsLogitsOfSrsOutput() throws Exception {
        Path fcnDir = dir.resolve("fcn");
        try (SegmentationTaskNetwork net = SegmentationTaskNetwork.create(new FcnConfig(4, 3),
                List.of("background", "a", "b"), CpuBackend.get(), 5)) {
            net.save(fcnDir);
        }
        Path srDir = TinyModels.dbpn(dir.resolve("sr"), TinyModels.DBPN, 3);
        BufferedImage lr = TinyModels.rgb(12, 10, 4);
        float[] expected;
        try (SegmentationTaskNetwork net = SegmentationTaskNetwork.load(fcnDir, CpuBackend.get());
             Scope sc = Scope.open()) {
            float[] up;
            try (SuperResolver sr = SuperResolver.builder().setModel(srDir).optDevice("cpu").build()) {
                up = sr.upscale(RgbPlanes.of(lr).rgb(), 12, 10);
            }
            expected = net.forward(CpuBackend.get().allocate(DType.F32, 1, 3, 40, 48).write(up)).get(0)
                    .toFloatArray();
        }
        try (TaskDrivenPipeline p = TaskDrivenPipeline.builder().setModel(fcnDir).optDevice("cpu")
                .optSuperResolution(SuperResolver.builder().setModel(srDir).optScale(4)).optReplicas(2).build()) {
            assertEquals("segmentation", p.kind());
            assertNull(p.inputSize(), "the FCN reads the SR image at its own size");
            List<TaskDrivenPipeline.Output> out = p.run(lr);
            assertEquals(1, out.size());
            assertArrayEquals(new long[] {1, 3, 40, 48}, out.get(0).shape());
            assertArrayEquals(expected, out.get(0).values());
        }
    }

    @Test
    void anSsdFolderGivesTheHeadOutputsTheDetectorDecodes() {
        Path ssdDir = TinyModels.ssd(dir.resolve("ssd"), 2);
        BufferedImage im = TinyModels.rgb(200, 150, 7);
        try (TaskDrivenPipeline p = TaskDrivenPipeline.builder().setModel(ssdDir).optDevice("cpu").build();
             TaskDrivenDetector d = TaskDrivenDetector.builder().setModel(ssdDir).optDevice("cpu")
                     .optClassNames(List.of("a", "b", "c")).build()) {
            assertEquals("detection", p.kind());
            assertEquals(272, p.inputSize());
            List<TaskDrivenPipeline.Output> out = p.run(im);
            Analysis a = d.analyze(im);
            assertArrayEquals(a.loc(), out.get(0).values());
            assertArrayEquals(a.conf(), out.get(1).values());
        }
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> TaskDrivenPipeline.builder().setModel(TinyModels.dbpn(dir.resolve("sr2"), TinyModels.DBPN, 3))
                        .optDevice("cpu").build());
        assertTrue(e.getMessage().contains("not a task network"), e.getMessage());
    }
}
