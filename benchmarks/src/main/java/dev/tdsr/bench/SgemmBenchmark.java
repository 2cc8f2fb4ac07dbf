package dev.tdsr.bench;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.Engine;
import dev.tdsr.engine.Tensor;
import java.util.concurrent.TimeUnit;
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

/** This machine's sgemm rate through the same engine and BLAS: the reference the conv figures are divided by. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class SgemmBenchmark {
    @Param({"1024"})
    public int n;

    /** Engine threads: the GEMM is cut into one single-threaded BLAS slice per thread. */
    @Param({"1"})
    public int threads;

    private Backend backend;
    private Tensor a;
    private Tensor b;
    private Tensor c;

    @Setup(Level.Trial)
    public void setUp() {
        Engine.setThreads(threads);
        backend = CpuBackend.get();
        a = backend.allocate(n, n).fill(0.5);
        b = backend.allocate(n, n).fill(0.25);
        c = backend.allocate(n, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
    }

    public double flops() {
        return 2.0 * n * n * n;
    }

    @Benchmark
    public void sgemm() {
        backend.gemm(a, b, c);
    }
}
