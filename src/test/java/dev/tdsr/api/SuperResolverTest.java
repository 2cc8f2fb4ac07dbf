package dev.tdsr.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.data.Bicubic;
import dev.tdsr.data.Image;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.NativeLibraryException;
import dev.tdsr.engine.OutOfMemoryException;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuperResolverTest {
    @TempDir
    static Path dir;

    static Path model;
    static SuperResolver sr;

    @BeforeAll
    static void load() {
        model = TinyModels.dbpn(dir.resolve("x4"), TinyModels.DBPN, 5);
        sr = SuperResolver.builder().setModel(model).optDevice("cpu").optScale(4).optTileSize(24).optTileOverlap(16)
                .optReplicas(2).build();
    }

    @AfterAll
    static void close() {
        sr.close();
    }

    private static float[] planar(BufferedImage bi) {
        return RgbPlanes.of(bi).rgb();
    }

    @Test
    void bufferedImageOutIsScaleTimesInAnd8BitOfTheRawOutput() {
        BufferedImage in = TinyModels.rgb(13, 9, 1);
        Upscaled up = sr.upscaleWithRaw(in);
        assertEquals(52, up.image().getWidth());
        assertEquals(36, up.image().getHeight());
        assertEquals(BufferedImage.TYPE_INT_RGB, up.image().getType());
        assertArrayEquals(up.raw(), sr.upscale(planar(in), 13, 9));
        // pixel (5,7): each channel = round(clamp(raw) * 255)
        int n = 52 * 36;
        int i = 7 * 52 + 5;
        int p = up.image().getRGB(5, 7);
        int[] expect = new int[3];
        for (int c = 0; c < 3; c++) {
            expect[c] = Math.round(Math.min(1f, Math.max(0f, up.raw()[c * n + i])) * 255f);
        }
        assertArrayEquals(expect, new int[] {(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff});
        assertEquals(2, sr.upscale(List.of(in, TinyModels.rgb(30, 8, 2))).size());
    }

    @Test
    void floatBufferPathEqualsTheArrayPath() {
        float[] img = TinyModels.pixels(10, 12, 3);
        FloatBuffer in = FloatBuffer.wrap(img);
        FloatBuffer out = FloatBuffer.allocate(3 * 40 * 48);
        sr.upscale(in, 10, 12, out);
        assertArrayEquals(sr.upscale(img, 10, 12), out.array());
        assertThrows(IllegalArgumentException.class, () -> sr.upscale(new float[5], 10, 12));
    }

    @Test
    void greyIsReplicatedToRgb() {
        BufferedImage grey = new BufferedImage(11, 9, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage rgb = new BufferedImage(11, 9, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 11; x++) {
                int v = (x * 23 + y * 7) % 256;
                grey.getRaster().setSample(x, y, 0, v);
                rgb.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        assertArrayEquals(planar(rgb), planar(grey), "grey samples as stored, replicated to R, G, B");
        assertArrayEquals(sr.upscale(planar(rgb), 11, 9), sr.upscale(planar(grey), 11, 9));
        assertEquals(44, sr.upscale(grey).getWidth());
    }

    @Test
    void sixteenBitPngIsReadAtFullPrecision() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster r = cm.createCompatibleWritableRaster(9, 8);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 9; x++) {
                for (int c = 0; c < 3; c++) {
                    r.setSample(x, y, c, (x * 7919 + y * 104729 + c * 31337) % 65536);
                }
            }
        }
        BufferedImage sixteen = new BufferedImage(cm, r, false, null);
        Path png = dir.resolve("sixteen.png");
        assertTrue(ImageIO.write(sixteen, "png", png.toFile()));
        BufferedImage back = ImageIO.read(png.toFile());
        assertEquals(16, back.getColorModel().getComponentSize(0), "ImageIO keeps 16 bits");
        float[] p = planar(back);
        // hand check: sample (x=2, y=3, G) = (2*7919 + 3*104729 + 31337) % 65536 = 361362 % 65536 = 33682
        assertEquals(33682f / 65535f, p[(1 * 8 + 3) * 9 + 2], 0f);
        BufferedImage out = sr.upscale(back);
        assertEquals(36, out.getWidth());
        assertEquals(32, out.getHeight());
    }

    @Test
    void alphaIsCarriedOverByBicubicUpscaling() {
        BufferedImage argb = new BufferedImage(10, 9, BufferedImage.TYPE_INT_ARGB);
        BufferedImage opaque = new BufferedImage(10, 9, BufferedImage.TYPE_INT_RGB);
        float[] alpha = new float[3 * 90];
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 10; x++) {
                int a = (x * 25 + y * 3) % 256;
                int rgb = (x * 20) << 16 | (y * 25) << 8 | 128;
                argb.setRGB(x, y, a << 24 | rgb);
                opaque.setRGB(x, y, rgb);
                alpha[y * 10 + x] = a / 255f;
            }
        }
        BufferedImage out = sr.upscale(argb);
        BufferedImage ref = sr.upscale(opaque);
        assertEquals(BufferedImage.TYPE_INT_ARGB, out.getType());
        float[] a = Bicubic.resize(new Image(10, 9, alpha), 40, 36).data();
        for (int y = 0; y < 36; y += 5) {
            for (int x = 0; x < 40; x += 3) {
                assertEquals(ref.getRGB(x, y) & 0xffffff, out.getRGB(x, y) & 0xffffff, "colour at " + x + "," + y);
                int expect = Math.round(Math.min(1f, Math.max(0f, a[y * 40 + x])) * 255f);
                assertEquals(expect, out.getRGB(x, y) >>> 24, "alpha at " + x + "," + y);
            }
        }
    }

    @Test
    void streamedBandsHoldExactlyTheWholeResultTopToBottom() throws Exception {
        BufferedImage argb = TinyModels.rgb(61, 53, 4); // tile 24, overlap 16: 5 bands of tiles, output 244x212
        BufferedImage withAlpha = new BufferedImage(61, 53, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 53; y++) {
            for (int x = 0; x < 61; x++) {
                withAlpha.setRGB(x, y, ((x * 7 + y * 11) % 256) << 24 | (argb.getRGB(x, y) & 0xffffff));
            }
        }
        for (BufferedImage in : List.of(argb, withAlpha)) {
            Upscaled whole = sr.upscaleWithRaw(in);
            float[] raw = new float[whole.raw().length];
            List<Integer> starts = new ArrayList<>();
            int[] next = {0};
            sr.upscale(in, band -> {
                assertEquals(next[0], band.firstRow(), "bands come top to bottom without gaps");
                assertEquals(244, band.width());
                assertEquals(212, band.height());
                assertEquals(in.getColorModel().hasAlpha(), band.alpha() != null);
                int n = band.rows() * band.width();
                for (int c = 0; c < 3; c++) {
                    System.arraycopy(band.rgb(), c * n, raw, (c * 212 + band.firstRow()) * 244, n);
                }
                for (int y = 0; y < band.rows(); y++) {
                    int[] row = band.argbRow(y);
                    for (int x = 0; x < 244; x++) {
                        assertEquals(whole.image().getRGB(x, band.firstRow() + y), row[x],
                                "pixel " + x + "," + (band.firstRow() + y));
                    }
                }
                starts.add(band.firstRow());
                next[0] += band.rows();
            });
            assertEquals(212, next[0]);
            assertTrue(starts.size() > 1, "streamed in several bands: " + starts);
            assertArrayEquals(whole.raw(), raw, "bit-identical to the whole upscale");
        }
    }

    @Test
    void aFailingSinkStopsTheUpscaleWithItsOwnException() {
        IOException disk = new IOException("disk full");
        IOException thrown = assertThrows(IOException.class,
                () -> sr.upscale(TinyModels.rgb(61, 53, 4), band -> {
                    throw disk;
                }));
        assertEquals(disk, thrown);
    }

    @Test
    void eightThreadsAtOnceGiveTheSingleThreadedResults() throws Exception {
        List<float[]> inputs = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            float[] img = TinyModels.pixels(20 + 3 * k, 30 - k, 100 + k); // several sizes, some tiled
            inputs.add(img);
            expected.add(sr.upscale(img, 20 + 3 * k, 30 - k));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 2; round++) {
                List<Future<float[]>> results = new ArrayList<>();
                java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
                for (int k = 0; k < 8; k++) {
                    int kk = k;
                    results.add(pool.submit(() -> {
                        start.await();
                        return sr.upscale(inputs.get(kk), 20 + 3 * kk, 30 - kk);
                    }));
                }
                start.countDown();
                for (int k = 0; k < 8; k++) {
                    assertArrayEquals(expected.get(k), results.get(k).get(), "image " + k + " round " + round);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() {
        SuperResolver s = SuperResolver.builder().setModel(model).optDevice("cpu").build();
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.upscale(new float[3 * 4], 2, 2));
    }

    @Test
    void theCleanerFreesWhatWasNeverClosed() throws Exception {
        AtomicBoolean freed = new AtomicBoolean();
        Object owner = new Object();
        Guard.register(owner, "test resource", List.of(() -> freed.set(true)));
        owner = null;
        for (int i = 0; i < 100 && !freed.get(); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(freed.get(), "the Cleaner closed the parts of an unreachable owner");
    }

    @Test
    void modelFileProblemsNameTheFile() throws Exception {
        Path missing = dir.resolve("nope");
        ModelFileException e = assertThrows(ModelFileException.class,
                () -> SuperResolver.builder().setModel(missing).optDevice("cpu").build());
        assertEquals(missing, e.file());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

        Path ssd = TinyModels.ssd(dir.resolve("ssd"), 1);
        e = assertThrows(ModelFileException.class, () -> SuperResolver.builder().setModel(ssd).optDevice("cpu").build());
        assertTrue(e.getMessage().contains("expected 'dbpn'"), e.getMessage());

        Path broken = dir.resolve("broken.pth");
        Files.write(broken, new byte[] {1, 2, 3});
        e = assertThrows(ModelFileException.class,
                () -> SuperResolver.builder().setModel(broken).optScale(4).optDevice("cpu").build());
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());

        e = assertThrows(ModelFileException.class,
                () -> SuperResolver.builder().setModel(model).optScale(2).optDevice("cpu").build());
        assertTrue(e.getMessage().contains("x4") && e.getMessage().contains("x2"), e.getMessage());
    }

    @Test
    void engineFailuresBecomeTheApisOwnExceptions() {
        DeviceOutOfMemoryException oom = assertThrows(DeviceOutOfMemoryException.class, () -> EngineErrors.translating(() -> {
            throw new OutOfMemoryException("cudaMalloc failed", 1L << 30, 1L << 20);
        }));
        assertEquals(1L << 30, oom.requestedBytes());
        assertEquals(1L << 20, oom.freeBytes());
        assertTrue(oom.getMessage().contains("1073741824"), oom.getMessage());
        NativeLibraryUnavailableException lib = assertThrows(NativeLibraryUnavailableException.class,
                () -> EngineErrors.translating(() -> {
                    throw new NativeLibraryException("cannot load libtdsr_cpu.so", null);
                }));
        assertTrue(lib.getMessage().contains("libtdsr_cpu.so") && lib.getMessage().contains("java "),
                lib.getMessage());
        assertThrows(NativeLibraryUnavailableException.class,
                () -> SuperResolver.builder().setModel(model).optDevice("cuda").build()
                        .close(), "no CUDA backend in this build: a clear error, never a silent CPU fallback");
    }

    @Test
    void aBackendChosenByTheCallerIsUsedWithoutChoosingAgain() {
        // "cuda" would fail here (no CUDA backend in this build); the given backend wins and no second choice is made
        try (SuperResolver s = SuperResolver.builder().setModel(model).optDevice("cuda").optBackend(CpuBackend.get())
                .build()) {
            float[] img = TinyModels.pixels(9, 9, 4);
            assertArrayEquals(sr.upscale(img, 9, 9), s.upscale(img, 9, 9));
        }
    }

    @Test
    void loadsAModelFolderFromTheClasspath() throws Exception {
        Path root = dir.resolve("cp");
        TinyModels.dbpn(root.resolve("models/x4"), TinyModels.DBPN, 5);
        try (URLClassLoader cl = new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
                SuperResolver fromCp = SuperResolver.builder().setModelResource(cl, "models/x4").optDevice("cpu")
                        .build()) {
            float[] img = TinyModels.pixels(9, 9, 4);
            assertArrayEquals(sr.upscale(img, 9, 9), fromCp.upscale(img, 9, 9));
        }
        try (URLClassLoader cl = new URLClassLoader(new URL[] {root.toUri().toURL()}, null)) {
            ModelFileException e = assertThrows(ModelFileException.class,
                    () -> SuperResolver.builder().setModelResource(cl, "models/none.safetensors").build());
            assertTrue(e.getMessage().contains("classpath:models/none.safetensors"), e.getMessage());
        }
        assertTrue(new File(root.toFile(), "models/x4/model.json").exists());
    }
}
