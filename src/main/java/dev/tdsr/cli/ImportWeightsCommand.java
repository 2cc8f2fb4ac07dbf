package dev.tdsr.cli;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.Vgg19;
import dev.tdsr.io.PthReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code import-weights}: convert an original .pth once into our folder format (model.json + weights.safetensors). */
@Command(name = "import-weights", mixinStandardHelpOptions = true,
        description = "Convert an original PyTorch checkpoint (DBPN_x*.pth, ssd300_*.pth, vgg16_reducedfc.pth,"
                + " torchvision's vgg19-*.pth) into tdsr-native's model folder.")
public final class ImportWeightsCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "the .pth (or .safetensors) file")
    Path from;

    @Option(names = "--model", required = true, description = "dbpn | ssd300 | vgg19 (SRGAN's perceptual network: "
            + "train --mode srgan --content-network DIR)")
    String model;

    @Option(names = "--to", required = true, description = "output folder (created)")
    Path to;

    @Option(names = "--scale", description = "D-DBPN scale 2|4|8 (the .pth does not record it)")
    Integer scale;

    @Option(names = "--classes", description = "SSD class count incl. background (default: from the conf heads; 21 for a VGG base)")
    Integer classes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.println("reading " + from + ": " + describe(from));
        switch (model) {
            case "dbpn" -> {
                try (Dbpn m = ModelFiles.loadDbpn(from, CpuBackend.get(), scale)) {
                    ModelFiles.save(to, m);
                    out.printf("wrote %s: D-DBPN x%d, %,d parameters%n", to, m.config().scale(), m.parameters().count());
                }
            }
            case "ssd300" -> {
                try (Ssd m = ModelFiles.loadSsd(from, CpuBackend.get(), classes)) {
                    ModelFiles.save(to, m);
                    out.printf("wrote %s: SSD300, %d classes, %,d parameters%n", to, m.config().numClasses(),
                            m.parameters().count());
                }
            }
            case "vgg19" -> {
                try (Vgg19 m = ModelFiles.loadVgg19(from, CpuBackend.get())) {
                    ModelFiles.save(to, m);
                    out.printf("wrote %s: %s, %,d parameters%n", to, m.describe(), m.parameters().count());
                }
            }
            default -> throw new IllegalArgumentException("--model: expected dbpn, ssd300 or vgg19, got '" + model
                    + "'");
        }
        out.flush();
        return 0;
    }

    /** One line on what the file is (format, era, tensor count), so the first real file settles the open questions. */
    private static String describe(Path p) {
        try {
            return p.toString().endsWith(".safetensors") ? "safetensors" : PthReader.load(p).summary();
        } catch (Exception e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }
}
