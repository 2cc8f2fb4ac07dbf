package dev.tdsr.testing;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.CpuBackend;
import dev.tdsr.engine.CudaBackend;
import dev.tdsr.engine.CudaProbe;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The backends a test can run on: the CPU always, each visible CUDA device when this build's CUDA library loaded and
 * found one. GPU tests call {@link #cudaOrSkip()} and are reported as skipped, with the reason, where there is none.
 */
public final class TestBackends {
    private TestBackends() {}

    public static Backend cpu() {
        return CpuBackend.get();
    }

    /** Every backend present in this process, the CPU first. */
    public static List<Backend> all() {
        List<Backend> out = new ArrayList<>(List.of(cpu()));
        CudaProbe p = CudaProbe.get();
        for (int i = 0; i < p.deviceCount(); i++) {
            out.add(CudaBackend.get(i));
        }
        return out;
    }

    /** CUDA device 0, or a visible skip naming why there is none (no driver, no device, a build without nvcc). */
    public static CudaBackend cudaOrSkip() {
        CudaProbe p = CudaProbe.get();
        Assumptions.assumeTrue(p.available(), () -> "GPU test skipped: no CUDA device here (" + p.reason() + ")");
        return CudaBackend.get(0);
    }

    /** Tolerances of a GPU result against the CPU's on the same inputs, stated once for every parity test. */
    public record Tolerance(double relative, double absolute) {
        /** fp32 with TF32 off: elementwise ops and reductions of a few thousand terms. */
        public static final Tolerance F32 = new Tolerance(1e-5, 1e-6);
        /** fp64: only summation order differs. */
        public static final Tolerance F64 = new Tolerance(1e-12, 1e-14);

        public boolean accepts(double expected, double actual) {
            return Math.abs(expected - actual) <= absolute + relative * Math.abs(expected);
        }
    }
}
