package dev.tdsr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.data.Degradation;
import dev.tdsr.data.LrFiles;
import dev.tdsr.engine.Backends;
import dev.tdsr.eval.TestBench;
import dev.tdsr.eval.VocEvaluator;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.models.SrNetwork;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.Ssd;
import dev.tdsr.report.Method;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code eval-study}: scores the networks of a finished study ({@code train}'s output folder) on another test set,
 * e.g. more held-out images than the study evaluated, with the same {@link TestBench} the study uses.
 */
@Command(name = "eval-study", mixinStandardHelpOptions = true,
        description = "Score a finished study's networks (HR, LR, Bicubic and every trained S row) on a test set.")
public final class EvalStudyCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--study", required = true, description = "the study's output folder (holds detector/ and x4/, x8/)")
    Path study;

    @Option(names = "--data", required = true, description = "dataset folder, VOC or COCO layout")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "split to score (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--images", defaultValue = "0", description = "first N images of the split; 0 = all (default)")
    int images;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the LR images (the study's seed; default 1)")
    long seed;

    @Option(names = "--lr-dir", description = "paired data: LR images from this folder's x<scale>/<HR stem>.png "
            + "instead of degrading the HR (as train --lr-dir)")
    Path lrDir;

    @Option(names = "--out", description = "also write the numbers as JSON to this file")
    Path out;

    @Mixin
    DeviceOptions device;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path detectorDir = study.resolve("detector/final");
        if (!Files.isDirectory(detectorDir)) {
            throw new IOException("--study " + study + ": no detector/final (not a finished study folder)");
        }
        if (!Files.isDirectory(data)) {
            throw new IOException("--data " + data + ": no such folder");
        }
        PrintWriter pw = spec.commandLine().getOut();
        Backends.Choice choice = device.choose();
        ArrayNode rows = JSON.createArrayNode();
        try (Ssd detector = ModelFiles.loadSsd(detectorDir, choice.backend(), null)) {
            for (int scale : new int[] {2, 4, 8}) {
                Path scaleDir = study.resolve("x" + scale);
                if (!Files.isDirectory(scaleDir)) {
                    continue;
                }
                TestBench bench = TestBench.open(data, split, images, detector.config().inputSize(),
                        lrDir == null ? Degradation.bicubic(scale) : new LrFiles(lrDir, scale).checked("--lr-dir"),
                        seed);
                pw.printf(Locale.ROOT, "x%d, %d images of %s (%s)%n", scale, bench.images().size(), data, split);
                for (Method m : Method.values()) {
                    TestBench.Score s = score(m, bench, scaleDir, detector, choice);
                    if (s == null) {
                        continue;
                    }
                    pw.printf(Locale.ROOT, "  %-8s PSNR-Y %6s  VOC07 mAP %5.1f %%  COCO AP %5.1f %%%n", m.label(),
                            s.psnrY() == null ? "-" : String.format(Locale.ROOT, "%.2f", s.psnrY()),
                            100 * s.voc().map07(), 100 * s.coco().ap());
                    ObjectNode row = rows.addObject().put("scale", scale).put("method", m.label())
                            .put("images", bench.images().size()).put("map07", s.voc().map07())
                            .put("coco_ap", s.coco().ap());
                    if (s.psnrY() != null) {
                        row.put("psnr_y", s.psnrY()).put("psnr_rgb", s.psnrRgb());
                    }
                    pw.flush();
                }
            }
        }
        if (out != null) {
            AtomicFiles.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rows) + "\n");
        }
        return 0;
    }

    /** A row's score, or null when the study has no network for it. */
    private TestBench.Score score(Method m, TestBench bench, Path scaleDir, Ssd detector, Backends.Choice choice)
            throws IOException {
        VocEvaluator.Options voc = VocEvaluator.Options.VOC_EVAL;
        if (!m.usesSr()) {
            return bench.score(m.benchInput(), null, detector, 0, voc);
        }
        Path model = scaleDir.resolve(m.slug()).resolve("final");
        if (!Files.isDirectory(model)) {
            return null;
        }
        try (SrNetwork s = ModelFiles.loadSrNetwork(model, choice.backend())) {
            return bench.score(m.benchInput(), s, detector, 0, voc);
        }
    }
}
