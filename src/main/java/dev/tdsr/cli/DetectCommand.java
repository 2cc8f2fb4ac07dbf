package dev.tdsr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tdsr.api.Analysis;
import dev.tdsr.api.DetectedObject;
import dev.tdsr.api.TaskDrivenDetector;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.Npz;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code detect}: SSD300 detections of one image (optionally after D-DBPN SR) through {@link TaskDrivenDetector}, as
 * COCO-style JSON in original-image pixels. The image is resized to the detector's square input (bicubic, aspect
 * ratio not kept) and the boxes are scaled back by the original width and height.
 */
@Command(name = "detect", mixinStandardHelpOptions = true, description = "Detect objects with SSD300 (optionally after SR); COCO-style JSON out.")
public final class DetectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--weights", required = true, description = "SSD300: our model folder, .safetensors, or an ssd.pytorch .pth")
    Path weights;

    @Option(names = "--sr-weights", description = "D-DBPN to super-resolve with first (folder, .safetensors or .pth)")
    Path srWeights;

    @Option(names = "--image-id", defaultValue = "0", description = "image_id written in the JSON (default: ${DEFAULT-VALUE})")
    long imageId;

    @Option(names = "--score-threshold", defaultValue = "0.01", description = "minimum class probability (default: ${DEFAULT-VALUE})")
    double scoreThreshold;

    @Option(names = "--classes", split = ",", description = "names of classes 1..C-1, comma-separated (default: the names the model folder records, else VOC's 20)")
    List<String> classes;

    @Mixin
    ImageModelOptions image;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        image.checkOutputs();
        var input = image.readInput();
        TaskDrivenDetector.Builder b = TaskDrivenDetector.builder().setModel(weights).optBackend(image.backend())
                .optScoreThreshold(scoreThreshold);
        if (classes != null) {
            b.optClassNames(classes);
        }
        if (srWeights != null) {
            b.optSuperResolution(image.superResolver(srWeights));
        } else if (image.scale != null) {
            throw new IllegalArgumentException("--scale needs --sr-weights");
        }
        try (TaskDrivenDetector detector = b.build()) {
            Analysis a = detector.analyze(input);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (DetectedObject d : a.detections()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("image_id", imageId);
                row.put("category_id", d.classId());
                row.put("category", d.className());
                row.put("bbox", new double[] {d.x1(), d.y1(), d.width(), d.height()});
                row.put("score", d.score());
                rows.add(row);
            }
            AtomicFiles.writeString(image.output, JSON.writeValueAsString(rows));
            if (image.rawOutput != null) {
                Map<String, HostArray> heads = new LinkedHashMap<>();
                heads.put("loc", HostArray.of(a.loc(), 1, a.priors(), 4));
                heads.put("conf", HostArray.of(a.conf(), 1, a.priors(), a.classes()));
                Npz.write(image.rawOutput, heads, false);
            }
            spec.commandLine().getOut().println("wrote " + image.output + " (" + rows.size() + " detections)");
            return 0;
        }
    }
}
