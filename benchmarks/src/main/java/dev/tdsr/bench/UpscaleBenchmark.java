package dev.tdsr.bench;

import dev.tdsr.api.SuperResolver;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.ModelFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link SuperResolver#upscale(BufferedImage)} end to end (colour conversion, tiling and blending, the D-DBPN
 * forwards, 8-bit output) on a random RGB image; the secondary result {@code megapixels} is OUTPUT megapixels per
 * second. The weights are random (speed does not depend on them), saved to a temp folder and loaded through the API.
 *
 * <p>{@code config}: {@code small} = DbpnConfig(scale, 8, 16, 2) (the test-size network), {@code full} = the released
 * D-DBPN (base 64, feat 256, T=7), about 4 s per 75x75 -> 300x300 forward on one CPU core, so full at 1024x1024 (16
 * 128-pixel tiles x ~3 full 256x256 forwards) takes many minutes per call. Feasible runs on a small CPU:
 * <pre>
 *   java -jar target/benchmarks.jar UpscaleBenchmark -p config=small
 *   java -jar target/benchmarks.jar UpscaleBenchmark -p config=full -p size=256 -p scale=4 -wi 0 -i 1
 * </pre>
 * Measured 2026-11-21 on the shared 2-vCPU (about one core) dev machine, 1 engine thread, tile 128, output MP/s:
 * small x4 256: 0.30, x4 1024: 0.64, x8 256: 0.57, x8 1024: 0.73 (+-50% or worse: other jobs shared the core);
 * full x4 256: 0.007 (143 s per call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class UpscaleBenchmark {
    @Param({"small", "full"})
    public String config;

    @Param({"4", "8"})
    public int scale;

    @Param({"256", "1024"})
    public int size;

    @Param({"128"})
    public int tile;

    private Path dir;
    private SuperResolver sr;
    private BufferedImage input;

    /** Output megapixels, reported by JMH per second. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Output {
        public double megapixels;
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        DbpnConfig c = config.equals("full") ? DbpnConfig.original(scale) : new DbpnConfig(scale, 8, 16, 2);
        dir = Files.createTempDirectory("tdsr-bench");
        try (Dbpn model = new Dbpn(c, CpuBackend.get(), DType.F32, 1)) {
            ModelFiles.save(dir, model);
        }
        sr = SuperResolver.builder().setModel(dir).optDevice("cpu").optTileSize(tile).build();
        input = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        SplittableRandom r = new SplittableRandom(7);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                input.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
    }

    @Benchmark
    public BufferedImage upscale(Output out) {
        BufferedImage result = sr.upscale(input);
        out.megapixels += (double) result.getWidth() * result.getHeight() / 1e6;
        return result;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        sr.close();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
