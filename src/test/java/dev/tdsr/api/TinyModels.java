package dev.tdsr.api;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.ModelFiles;
import dev.tdsr.models.PriorBoxes;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Tiny random models saved in our folder format, and seeded random images, for the API and CLI tests. */
public final class TinyModels {
    public static final DbpnConfig DBPN = new DbpnConfig(4, 8, 16, 2);
    public static final SsdConfig SSD = new SsdConfig(272, 1.0 / 16, 4, PriorBoxes.Sizes.VOC, false);

    private TinyModels() {}

    public static Path dbpn(Path dir, DbpnConfig config, long seed) {
        try (Dbpn m = new Dbpn(config, CpuBackend.get(), DType.F32, seed)) {
            ModelFiles.save(dir, m);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path ssd(Path dir, long seed) {
        try (Ssd m = new Ssd(SSD, CpuBackend.get(), DType.F32, seed)) {
            ModelFiles.save(dir, m);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the sr/detect command tests run on: a tiny D-DBPN x4 and SSD, and a 20x15 LR PNG. */
    public record CliFixture(Path sr, Path ssd, Path lrPng) {}

    public static CliFixture cliFixture(Path dir) {
        try {
            Path lrPng = dir.resolve("lr.png");
            javax.imageio.ImageIO.write(rgb(20, 15, 1), "png", lrPng.toFile());
            return new CliFixture(dbpn(dir.resolve("sr"), DBPN, 3), ssd(dir.resolve("ssd"), 2), lrPng);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Planar RGB with smooth structure plus noise, values in [0,1]. */
    public static float[] pixels(int w, int h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] p = new float[3 * w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0.5 + 0.3 * Math.sin(0.3 * x + c) * Math.cos(0.2 * y) + 0.2 * (r.nextDouble() - 0.5);
                    p[(c * h + y) * w + x] = (float) v;
                }
            }
        }
        return p;
    }

    public static BufferedImage rgb(int w, int h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                bi.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        return bi;
    }
}
