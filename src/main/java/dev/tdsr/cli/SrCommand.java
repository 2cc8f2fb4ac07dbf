package dev.tdsr.cli;

import dev.tdsr.api.SuperResolver;
import dev.tdsr.api.Upscaled;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.io.Npy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sr}: upscale one image with D-DBPN through {@link SuperResolver} (PNG/JPEG in, PNG out). */
@Command(name = "sr", mixinStandardHelpOptions = true, description = "Super-resolve an image with D-DBPN (PNG/JPEG in, PNG out).")
public final class SrCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "dbpn", description = "network kind: dbpn (default)")
    String model;

    @Option(names = "--weights", required = true, description = "our model folder, .safetensors, or an original DBPN_x*.pth")
    Path weights;

    @Option(names = "--tile", defaultValue = "128", description = "tile side in input pixels (default: ${DEFAULT-VALUE})")
    int tile;

    @Option(names = "--tile-overlap", defaultValue = "32", description = "overlap between tiles (default: ${DEFAULT-VALUE})")
    int tileOverlap;

    @Mixin
    ImageModelOptions image;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!"dbpn".equals(model)) {
            throw new IllegalArgumentException("--model: expected dbpn, got '" + model + "'");
        }
        if (!image.output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException(image.output + ": --output must be a .png file");
        }
        image.checkOutputs();
        BufferedImage input = image.readInput();
        SuperResolver.Builder b = image.superResolver(weights).optBackend(image.backend()).optTileSize(tile)
                .optTileOverlap(tileOverlap);
        try (SuperResolver sr = b.build()) {
            Upscaled up = sr.upscaleWithRaw(input);
            AtomicFiles.write(image.output, out -> {
                try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
                    if (!ImageIO.write(up.image(), "png", ios)) {
                        throw new IOException(image.output + ": no PNG writer for this image");
                    }
                }
            });
            if (image.rawOutput != null) {
                Npy.write(image.rawOutput, up.raw(), 1, 3, up.height(), up.width());
            }
            spec.commandLine().getOut().println("wrote " + image.output + " (" + up.width() + "x" + up.height() + ", x"
                    + sr.scale() + ")");
            return 0;
        }
    }
}
