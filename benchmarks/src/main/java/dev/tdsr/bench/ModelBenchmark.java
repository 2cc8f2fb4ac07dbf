package dev.tdsr.bench;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.DbpnConfig;
import dev.tdsr.models.GroundTruth;
import dev.tdsr.models.Ssd;
import dev.tdsr.models.SsdConfig;
import dev.tdsr.models.TdsrObjective;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Full-size networks on the CPU, one image: D-DBPN forward (75x75 -> 300x300 at 4x, 38x38 -> 304x304 at 8x), SSD300
 * forward (300x300), and one TDSR training step (S forward + backward with parameter gradients, frozen D forward +
 * input gradient, MultiBoxLoss). Seconds per image.
 *
 * <p>{@code java -jar target/benchmarks.jar ModelBenchmark}
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class ModelBenchmark {
    @Param({"4", "8"})
    public int scale;

    private Backend backend;
    private Dbpn sr;
    private Ssd detector;
    private TdsrObjective objective;
    private Tensor lr;
    private Tensor hr;
    private List<GroundTruth> boxes;

    @Setup(Level.Trial)
    public void setUp() {
        backend = CpuBackend.get();
        sr = new Dbpn(DbpnConfig.original(scale), backend, DType.F32, 1);
        detector = new Ssd(SsdConfig.voc(), backend, DType.F32, 2);
        objective = new TdsrObjective(sr, detector, 1, 0.01);
        int lrSize = (300 + scale - 1) / scale;
        lr = backend.allocate(1, 3, lrSize, lrSize).fill(0.5);
        hr = backend.allocate(1, 3, 300, 300).fill(0.5);
        boxes = List.of(new GroundTruth(new double[] {0.1, 0.1, 0.5, 0.6, 0.4, 0.3, 0.9, 0.95}, new int[] {3, 14}));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lr.close();
        hr.close();
        sr.close();
        detector.close();
    }

    @Benchmark
    public double dbpnForward() {
        try (Scope s = Scope.open()) {
            return sr.forward(lr).dim(2);
        }
    }

    @Benchmark
    public double ssdForward() {
        try (Scope s = Scope.open()) {
            return detector.forward(hr).conf().dim(1);
        }
    }

    @Benchmark
    public double tdsrStep() {
        sr.parameters().zeroGrad();
        try (Scope s = Scope.open()) {
            return objective.step(lr, hr, boxes).total();
        }
    }
}
