package dev.tdsr.cli;

import dev.tdsr.data.BadInputPolicy;
import dev.tdsr.data.Dataset;
import dev.tdsr.data.Datasets;
import dev.tdsr.data.Degradation;
import dev.tdsr.data.LrFiles;
import dev.tdsr.data.ObjectAnnotation;
import dev.tdsr.data.SyntheticDataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code generate-dataset}: writes the synthetic shapes detection dataset in VOC or COCO layout. */
@Command(name = "generate-dataset", mixinStandardHelpOptions = true,
        description = "Write the synthetic detection dataset (textured shapes) as JPEG files with VOC XML or COCO JSON.")
public final class GenerateDatasetCommand implements Callable<Integer> {
    @Option(names = "--layout", defaultValue = "voc", description = "voc or coco (default: ${DEFAULT-VALUE})")
    String layout;

    @Option(names = "--images", defaultValue = "1000", description = "number of images (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--size", defaultValue = "300", description = "image side in pixels (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--classes", defaultValue = "6", description = "number of classes, 1.."
            + SyntheticDataset.MAX_CLASSES + " (default: ${DEFAULT-VALUE})")
    int classes;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @Option(names = "--write-lr", split = ",", description = "also write the LR images of these scales (e.g. 4,8) as "
            + "the training would make them (MATLAB-style bicubic, 8-bit): <out>/LR/x<scale>/<image>.png, a paired "
            + "dataset for train --lr-dir <out>/LR")
    List<Integer> writeLr;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        SyntheticDataset.Layout l = switch (layout.toLowerCase(Locale.ROOT)) {
            case "voc" -> SyntheticDataset.Layout.VOC;
            case "coco" -> SyntheticDataset.Layout.COCO;
            default -> throw new IllegalArgumentException("--layout must be voc or coco, got '" + layout + "'");
        };
        for (int scale : writeLr == null ? List.<Integer>of() : writeLr) {
            if (scale != 2 && scale != 4 && scale != 8) {
                throw new IllegalArgumentException("--write-lr: scales are 2, 4 or 8, got " + scale);
            }
        }
        try {
            new SyntheticDataset(size, classes, seed).write(out, l, images);
        } catch (java.nio.file.FileSystemException e) {
            throw new IOException("--out " + out + ": cannot create the dataset there (the file system refused "
                    + (e.getReason() == null ? ErrorHandler.fileProblem(e) : e.getMessage())
                    + "); choose a writable folder", e);
        }
        PrintWriter pw = spec.commandLine().getOut();
        boolean voc = l == SyntheticDataset.Layout.VOC;
        for (String split : voc ? new String[] {"trainval", "test"} : new String[] {"train2017", "val2017"}) {
            Dataset d = Datasets.open(out, split, SyntheticDataset.classList(classes), BadInputPolicy.FAIL_FAST);
            for (int scale : writeLr == null ? List.<Integer>of() : writeLr) {
                LrFiles.write(d, out.resolve("LR"), Degradation.bicubic(scale));
            }
            long objects = d.samples().stream().mapToLong(s -> s.objects().size()).sum();
            long difficult = d.samples().stream().flatMap(s -> s.objects().stream())
                    .filter(o -> o.difficult() || o.iscrowd()).count();
            long truncated = d.samples().stream().flatMap(s -> s.objects().stream())
                    .filter(ObjectAnnotation::truncated).count();
            pw.printf("%-9s %5d images, %6d objects (%d difficult, %d truncated)%n", split, d.size(), objects,
                    difficult, truncated);
        }
        pw.println("classes   " + SyntheticDataset.classList(classes));
        pw.println("written   " + out.toAbsolutePath() + " (" + layout + " layout, " + size + "x" + size + ", seed "
                + seed + ")");
        if (writeLr != null && !writeLr.isEmpty()) {
            pw.println("LR        " + out.resolve("LR").toAbsolutePath() + " (x" + writeLr.stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(", x")) + "; bicubic, 8-bit PNG; train --lr-dir "
                    + out.resolve("LR") + ")");
        }
        pw.flush();
        return 0;
    }
}
