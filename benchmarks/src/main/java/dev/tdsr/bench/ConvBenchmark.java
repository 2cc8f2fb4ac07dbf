package dev.tdsr.bench;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.Engine;
import dev.tdsr.engine.Tensor;
import java.util.SplittableRandom;
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

/**
 * Convolution and transposed convolution at the real shapes of TDSR, forward and both backward passes, batch 1,
 * through the JNI layer (one call per op, as the networks make them). {@link EngineBench} turns the times into
 * GFLOP/s and the ratio to this machine's sgemm ({@link SgemmBenchmark}) measured in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ConvBenchmark {
    /** The layer shapes: D-DBPN 4x projection units (64 channels, 8x8/s4/p2 between 75x75 and 300x300), VGG16. */
    public enum Shape {
        // name, transposed, channels in/out, input H=W, kernel, stride, padding[, dilation]
        DBPN4X_DOWN_CONV(false, 64, 64, 300, 8, 4, 2),
        DBPN4X_UP_DECONV(true, 64, 64, 75, 8, 4, 2),
        DBPN8X_DOWN_CONV(false, 64, 64, 304, 12, 8, 2),
        DBPN8X_UP_DECONV(true, 64, 64, 38, 12, 8, 2),
        VGG_CONV1_2_300(false, 64, 64, 300, 3, 1, 1),
        VGG_CONV2_2_150(false, 128, 128, 150, 3, 1, 1),
        VGG_CONV4_3_38(false, 512, 512, 38, 3, 1, 1),
        VGG_FC6_DILATED_19(false, 512, 1024, 19, 3, 1, 6, 6),
        SSD_CONF_HEAD_38(false, 512, 84, 38, 3, 1, 1);

        final boolean transposed;
        final int cin;
        final int cout;
        final int size;
        final int kernel;
        final int stride;
        final int padding;
        final int dilation;

        Shape(boolean transposed, int cin, int cout, int size, int kernel, int stride, int padding) {
            this(transposed, cin, cout, size, kernel, stride, padding, 1);
        }

        Shape(boolean transposed, int cin, int cout, int size, int kernel, int stride, int padding, int dilation) {
            this.transposed = transposed;
            this.cin = cin;
            this.cout = cout;
            this.size = size;
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
            this.dilation = dilation;
        }

        int outSize() {
            return transposed
                    ? (int) ConvSpec.deconvOutput(size, kernel, stride, padding, 0)
                    : (int) ConvSpec.convOutput(size, kernel, stride, padding, dilation);
        }

        /** Multiply-adds x2 of one pass (forward, backward-input and backward-weight cost the same). */
        public double flops() {
            long spatial = transposed ? (long) size * size : (long) outSize() * outSize();
            return 2.0 * cin * cout * kernel * kernel * spatial;
        }
    }

    @Param
    public Shape shape;

    /** Engine threads (OpenMP owns them; BLAS runs single-threaded inside). */
    @Param({"1"})
    public int threads;

    private Backend backend;
    private Tensor x;
    private Tensor w;
    private Tensor b;
    private Tensor y;
    private Tensor dy;
    private Tensor dx;
    private Tensor dw;
    private Tensor db;
    private ConvSpec spec;

    @Setup(Level.Trial)
    public void setUp() {
        Engine.setThreads(threads);
        backend = CpuBackend.get();
        SplittableRandom rng = new SplittableRandom(1);
        int out = shape.outSize();
        x = random(rng, 1, shape.cin, shape.size, shape.size);
        w = shape.transposed
                ? random(rng, shape.cin, shape.cout, shape.kernel, shape.kernel)
                : random(rng, shape.cout, shape.cin, shape.kernel, shape.kernel);
        b = random(rng, shape.cout);
        y = backend.allocate(1, shape.cout, out, out);
        dy = random(rng, 1, shape.cout, out, out);
        dx = backend.allocate(x.shape());
        dw = backend.allocate(w.shape());
        db = backend.allocate(b.shape());
        spec = ConvSpec.of(shape.stride, shape.padding, shape.dilation);
    }

    private Tensor random(SplittableRandom rng, long... dims) {
        Tensor t = backend.allocate(dims);
        float[] v = new float[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return t.write(v);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[] {x, w, b, y, dy, dx, dw, db}) {
            t.close();
        }
    }

    @Benchmark
    public void forward() {
        if (shape.transposed) {
            backend.deconv2dForward(x, w, b, y, spec);
        } else {
            backend.conv2dForward(x, w, b, y, spec);
        }
    }

    @Benchmark
    public void backwardInput() {
        if (shape.transposed) {
            backend.deconv2dBackwardInput(dy, w, dx, spec);
        } else {
            backend.conv2dBackwardInput(dy, w, dx, spec);
        }
    }

    @Benchmark
    public void backwardWeight() {
        if (shape.transposed) {
            backend.deconv2dBackwardParams(dy, x, dw, db, spec);
        } else {
            backend.conv2dBackwardParams(dy, x, dw, db, spec);
        }
    }
}
