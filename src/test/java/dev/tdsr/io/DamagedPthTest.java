package dev.tdsr.io;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bit flip anywhere in a .pth gives a WeightFormatException whose message names the file, never "null". */
class DamagedPthTest {
    @TempDir
    Path dir;

    @Test
    void everyBitFlipOfTheZipFixtureIsANamedFormatError() throws Exception {
        for (String name : new String[] {"small_zip.pth", "small_legacy.pth"}) {
            Path src = Fixtures.pthDir().resolve(name);
            if (!Files.exists(src)) {
                continue;
            }
            byte[] good = Files.readAllBytes(src);
            Path f = dir.resolve("flipped-" + name);
            for (int i = 0; i < good.length; i++) {
                byte[] b = good.clone();
                b[i] ^= 0x08;
                Files.write(f, b);
                try {
                    PthReader.read(f);
                } catch (WeightFormatException e) {
                    assertNotNull(e.getMessage(), name + " byte " + i);
                    assertTrue(e.getMessage().startsWith(f.toString()), name + " byte " + i + ": " + e.getMessage());
                } catch (Exception e) {
                    fail(name + " byte " + i + ": " + e, e);
                }
            }
        }
    }
}
