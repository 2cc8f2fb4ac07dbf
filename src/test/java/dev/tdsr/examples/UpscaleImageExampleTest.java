package dev.tdsr.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tdsr.api.TinyModels;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example runs as documented on a tiny model folder. */
class UpscaleImageExampleTest {
    @TempDir
    Path dir;

    @Test
    void upscalesAnImageFile() throws Exception {
        Path model = TinyModels.dbpn(dir.resolve("model"), TinyModels.DBPN, 1);
        Path in = dir.resolve("in.png");
        Path out = dir.resolve("out.png");
        ImageIO.write(TinyModels.rgb(17, 11, 2), "png", in.toFile());
        UpscaleImageExample.main(new String[] {model.toString(), in.toString(), out.toString()});
        BufferedImage result = ImageIO.read(out.toFile());
        assertEquals(68, result.getWidth());
        assertEquals(44, result.getHeight());
    }
}
