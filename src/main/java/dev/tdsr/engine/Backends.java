package dev.tdsr.engine;

import java.util.Locale;

/**
 * The one place a backend is chosen from {@code --device auto|cpu|cuda}. {@code cuda} never falls back silently: it
 * either gives a CUDA backend or throws {@link BackendUnavailableException} saying why. {@code auto} takes CUDA when
 * it can and otherwise the CPU, and {@link Choice#reason()} says which and why, for one log line.
 */
public final class Backends {
    private Backends() {}

    public record Choice(Backend backend, String reason) {}

    public static Choice choose(String device) {
        String d = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        switch (d) {
            case "cpu":
                return new Choice(CpuBackend.get(), "cpu (asked for)");
            case "cuda":
                return new Choice(cuda(), "cuda (asked for)");
            case "auto":
                String why = cudaUnavailableReason();
                return new Choice(CpuBackend.get(), "cpu (auto: " + why + ")");
            default:
                throw new IllegalArgumentException("unknown device '" + device + "': expected auto, cpu or cuda");
        }
    }

    private static Backend cuda() {
        throw new BackendUnavailableException("--device cuda: " + cudaUnavailableReason());
    }

    /** Why there is no CUDA backend in this process. */
    public static String cudaUnavailableReason() {
        CudaProbe p = CudaProbe.get();
        if (!p.compiled()) {
            return "no CUDA backend: " + p.reason();
        }
        if (!p.available()) {
            return "no usable CUDA device: " + p.reason();
        }
        // A device is there, but the CUDA backend's kernels are not part of this version yet.
        return p.deviceCount() + " CUDA device(s) found, but this build of tdsr-native has no CUDA backend yet"
                + " (only device queries); use --device cpu";
    }
}
