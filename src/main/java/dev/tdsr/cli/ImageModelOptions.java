package dev.tdsr.cli;

import dev.tdsr.api.SuperResolver;
import dev.tdsr.data.Image;
import dev.tdsr.engine.Backend;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What {@code sr} and {@code detect} share (a picocli mixin): the input image, the output file and the raw network
 * output, the SR factor and the device options.
 */
public final class ImageModelOptions {
    @Option(names = "--input", required = true, description = "PNG or JPEG image")
    Path input;

    @Option(names = "--output", required = true, description = "file to write (sr: the PNG image; detect: the "
            + "detections JSON)")
    Path output;

    @Option(names = "--raw-output", description = "also write the network's raw output (sr: float32, unclamped, "
            + "[1,3,H,W] .npy; detect: the head outputs before decoding, .npz with loc [1,P,4] and conf [1,P,C] logits)")
    Path rawOutput;

    @Option(names = "--scale", description = "SR factor 2, 4 or 8: required for an original DBPN_x*.pth, checked "
            + "otherwise")
    Integer scale;

    @Mixin
    DeviceOptions device;

    /** Applies --threads and chooses the backend, once; an unavailable --device is an error before any loading. */
    Backend backend() {
        return device.choose().backend();
    }

    /** A builder of the D-DBPN in {@code weights}, with --scale when given. */
    SuperResolver.Builder superResolver(Path weights) {
        SuperResolver.Builder b = SuperResolver.builder().setModel(weights);
        if (scale != null) {
            b.optScale(scale);
        }
        return b;
    }

    /** Checks --output and --raw-output before any work: writable files in existing folders, not folders. */
    void checkOutputs() throws IOException {
        dev.tdsr.io.AtomicFiles.checkWritable(output);
        if (rawOutput != null) {
            dev.tdsr.io.AtomicFiles.checkWritable(rawOutput);
            if (rawOutput.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--raw-output " + rawOutput + " is the same file as --output");
            }
        }
    }

    /** Decodes --input, naming the file when it is missing or not an image ImageIO can read. */
    BufferedImage readInput() throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new NoSuchFileException(input.toString(), null, "input image not found");
        }
        return Image.decode(input);
    }
}
