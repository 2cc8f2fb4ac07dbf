package dev.tdsr.cli;

import ar.com.hjg.pngj.ImageInfo;
import ar.com.hjg.pngj.ImageLineHelper;
import ar.com.hjg.pngj.ImageLineInt;
import ar.com.hjg.pngj.PngWriter;
import ar.com.hjg.pngj.PngjException;
import dev.tdsr.api.SuperResolver;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.io.Npy;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
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
            int w = sr.scale() * input.getWidth();
            int h = sr.scale() * input.getHeight();
            boolean alpha = input.getColorModel().hasAlpha();
            // Streamed band by band into the PNG (and the .npy): no size of image is held whole in memory.
            AtomicFiles.write(image.output, out -> {
                PngWriter png = new PngWriter(out, new ImageInfo(w, h, 8, alpha));
                SuperResolver.BandSink rows = band -> {
                    for (int y = 0; y < band.rows(); y++) {
                        ImageLineInt line = new ImageLineInt(png.imgInfo);
                        if (alpha) {
                            ImageLineHelper.setPixelsRGBA8(line, band.argbRow(y));
                        } else {
                            ImageLineHelper.setPixelsRGB8(line, band.argbRow(y));
                        }
                        png.writeRow(line);
                    }
                };
                try {
                    if (image.rawOutput == null) {
                        sr.upscale(input, rows);
                    } else {
                        AtomicFiles.writeChannel(image.rawOutput, ch -> {
                            Npy.Float32Pieces raw = new Npy.Float32Pieces(ch, 1, 3, h, w);
                            sr.upscale(input, band -> {
                                rows.accept(band);
                                int n = band.rows() * w;
                                for (int c = 0; c < 3; c++) {
                                    raw.put(((long) c * h + band.firstRow()) * w, band.rgb(), c * n, n);
                                }
                            });
                        });
                    }
                    png.end();
                } catch (PngjException e) {
                    throw new IOException(image.output + ": writing the PNG failed: " + e.getMessage(), e);
                }
            });
            spec.commandLine().getOut().println("wrote " + image.output + " (" + w + "x" + h + ", x" + sr.scale() + ")");
            return 0;
        }
    }
}
