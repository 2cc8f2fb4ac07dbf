package dev.tdsr.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.eval.CocoEvaluator;
import dev.tdsr.eval.CocoJson;
import dev.tdsr.eval.VocDevkit;
import dev.tdsr.eval.VocEvaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code eval-detections}: VOC or COCO detection metrics from result files. JSON on standard output, a table on
 * standard error. VOC APs of classes without ground truth are undefined and printed as null.
 */
@Command(name = "eval-detections", mixinStandardHelpOptions = true,
        description = "Evaluate detections: COCO bbox summary (pycocotools) or PASCAL VOC per-class AP (voc_eval).")
public final class EvalDetectionsCommand implements Callable<Integer> {
    enum Format { coco, voc }

    /** The VOC overlap rules, after the implementation they reproduce. */
    enum VocRule {
        voc_eval(VocEvaluator.Options.VOC_EVAL), devkit(VocEvaluator.Options.DEVKIT), ssd_pytorch(VocEvaluator.Options.SSD_PYTORCH);

        final VocEvaluator.Options options;

        VocRule(VocEvaluator.Options options) {
            this.options = options;
        }
    }

    @Option(names = "--format", required = true, description = "coco|voc")
    Format format;

    @Option(names = "--dets", required = true, description = "coco: results JSON; voc: folder of comp4_det_<set>_<class>.txt")
    Path dets;

    @Option(names = "--gt", description = "coco: instances JSON")
    Path gt;

    @Option(names = "--devkit", description = "voc: folder holding Annotations/ and ImageSets/Main/<set>.txt")
    Path devkit;

    @Option(names = "--set", defaultValue = "test", description = "voc: image set name (default: ${DEFAULT-VALUE})")
    String set;

    @Option(names = "--classes", description = "voc: file with one class name per line (default: names found in annotations and file names)")
    Path classes;

    @Option(names = "--voc-rule", defaultValue = "voc_eval",
            description = "voc: voc_eval (IoU > 0.5, +1 px), devkit (IoU >= 0.5, +1 px), ssd_pytorch (IoU > 0.5, no +1) (default: ${DEFAULT-VALUE})")
    VocRule vocRule;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public Integer call() throws IOException {
        ObjectNode json = format == Format.coco ? coco() : voc();
        PrintWriter out = spec.commandLine().getOut();
        out.println(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        out.flush();
        return 0;
    }

    private ObjectNode coco() throws IOException {
        if (gt == null) {
            throw new IllegalArgumentException("--format coco needs --gt INSTANCES_JSON");
        }
        for (Path f : new Path[] {gt, dets}) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException(f + ": no such file (--format coco expects --gt and --dets to be JSON files)");
            }
        }
        CocoEvaluator.Result r;
        CocoEvaluator.GroundTruth truth = CocoJson.readGroundTruth(gt);
        try {
            r = CocoEvaluator.evaluate(truth, CocoJson.readDetections(dets));
        } catch (IllegalArgumentException e) { // a detection that does not fit the ground truth: name both files
            throw new IllegalArgumentException(dets + ": " + e.getMessage() + " (" + gt + ")", e);
        }
        ObjectNode json = MAPPER.createObjectNode();
        PrintWriter err = spec.commandLine().getErr();
        double[] v = r.values();
        for (int i = 0; i < v.length; i++) {
            String name = CocoEvaluator.Result.NAMES.get(i);
            json.put(name, v[i]);
            err.printf(Locale.ROOT, "%-6s %7.3f%n", name, v[i]);
        }
        err.flush();
        return json;
    }

    private ObjectNode voc() throws IOException {
        if (devkit == null) {
            throw new IllegalArgumentException("--format voc needs --devkit DIR (holding Annotations/ and ImageSets/Main/" + set + ".txt)");
        }
        VocDevkit.Input in = VocDevkit.load(devkit, set, dets, classes);
        VocEvaluator.Result r = VocEvaluator.evaluate(in.classes(), in.images(), in.detections(), vocRule.options);
        ObjectNode json = MAPPER.createObjectNode();
        putNumber(json, "mAP07", r.map07());
        putNumber(json, "mAP", r.map());
        ObjectNode perClass = json.putObject("classes");
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "%-16s %8s %8s %6s %7s%n", "class", "AP07", "AP", "npos", "dets");
        for (VocEvaluator.ClassResult c : r.classes()) {
            ObjectNode o = perClass.putObject(c.className());
            putNumber(o, "ap07", c.ap07());
            putNumber(o, "ap", c.ap());
            o.put("npos", c.npos());
            err.printf(Locale.ROOT, "%-16s %8.4f %8.4f %6d %7d%n", c.className(), c.ap07(), c.ap(), c.npos(), c.detections());
        }
        err.printf(Locale.ROOT, "%-16s %8.4f %8.4f   (mean over classes with npos > 0; rule %s)%n", "mAP", r.map07(), r.map(), vocRule);
        err.flush();
        return json;
    }

    /** NaN (undefined AP) becomes null: JSON has no NaN. */
    private static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isNaN(v)) {
            o.putNull(key);
        } else {
            o.put(key, v);
        }
    }
}
