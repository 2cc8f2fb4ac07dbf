package dev.tdsr.examples;

import dev.tdsr.api.SuperResolver;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Upscale an image file with a model folder (as written by {@code import-weights} or training):
 * <pre>
 *   java -cp tdsr-native.jar:. dev.tdsr.examples.UpscaleImageExample models/tdsr-x4 photo.jpg photo-x4.png
 * </pre>
 * Copy it: it uses only the embedding API ({@code dev.tdsr.api}) and ImageIO.
 */
public final class UpscaleImageExample {
    private UpscaleImageExample() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: UpscaleImageExample MODEL_FOLDER INPUT_IMAGE OUTPUT.png");
            return;
        }
        try (SuperResolver sr = SuperResolver.builder()
                .setModel(Path.of(args[0]))   // model.json + weights.safetensors (or an original DBPN_x4.pth + optScale(4))
                .optTileSize(128)            // larger images are processed in blended 128-pixel tiles
                .build()) {
            BufferedImage in = ImageIO.read(new File(args[1]));
            BufferedImage out = sr.upscale(in);
            ImageIO.write(out, "png", new File(args[2]));
            System.out.println(args[2] + ": " + out.getWidth() + "x" + out.getHeight() + " (x" + sr.scale() + ")");
        }
    }
}
