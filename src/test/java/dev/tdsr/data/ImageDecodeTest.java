package dev.tdsr.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17 #3: a truncated image is an error naming the file, never a grey-filled image used silently. */
public class ImageDecodeTest {
    @TempDir
    Path dir;

    /** A noisy JPEG (so that it is large) and a copy cut to a third of its bytes. */
    public static Path[] jpegAndTruncated(Path dir) throws IOException {
        Image im = Image.blank(256, 192);
        SplittableRandom r = new SplittableRandom(5);
        float[] d = im.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextDouble();
        }
        Path whole = dir.resolve("whole.jpg");
        im.write(whole);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 3));
        return new Path[] {whole, cut};
    }

    @Test
    void aJpegCutShortIsAnErrorNamingTheFile() throws IOException {
        Path[] f = jpegAndTruncated(dir);
        assertEquals(256, Image.decode(f[0]).getWidth());
        IOException e = assertThrows(IOException.class, () -> Image.decode(f[1]));
        assertTrue(e.getMessage().startsWith(f[1] + ": corrupt or truncated image"), e.getMessage());
        assertThrows(IOException.class, () -> Image.read(f[1]));
        assertThrows(IOException.class, () -> Image.Rgb8.read(f[1]));
    }

    @Test
    void aPngCutShortIsAnError() throws IOException {
        Image im = Image.blank(64, 48);
        SplittableRandom r = new SplittableRandom(6);
        float[] d = im.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextDouble();
        }
        Path whole = dir.resolve("whole.png");
        im.write(whole);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.png");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class, () -> Image.decode(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
    }

    @Test
    void missingFilesAndFoldersAreNamed() {
        IOException e = assertThrows(IOException.class, () -> Image.decode(dir.resolve("none.jpg")));
        assertTrue(e.getMessage().startsWith(dir.resolve("none.jpg") + ": no such file"), e.getMessage());
        e = assertThrows(IOException.class, () -> Image.decode(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
    }

    /** A PNG whose header claims 100000 x 100000 pixels: an error before decoding, not an OutOfMemoryError. */
    @Test
    void aHeaderTooLargeForTheHeapIsAnError() throws IOException {
        Path png = Path.of("src/test/resources/dev/tdsr/fuzz/FileReadersFuzzTestInputs/image/huge-header.png");
        IOException e = assertThrows(IOException.class, () -> Image.decode(png));
        assertTrue(e.getMessage().startsWith(png + ": a 100000x100000 image needs about 74.5 GiB of Java heap to decode"),
                e.getMessage());
    }
}
