package dev.tdsr.engine;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place a backend is chosen from {@code --device auto|cpu|cuda|cuda:N}. {@code cuda} (device 0) and
 * {@code cuda:N} never fall back silently: they either give a CUDA backend or throw
 * {@link BackendUnavailableException} saying why. {@code auto} takes CUDA device 0 when it can and otherwise the CPU,
 * and {@link Choice#reason()} says which and why, for one log line.
 */
public final class Backends {
    private static final Pattern CUDA = Pattern.compile("cuda(?::(\\d{1,4}))?");

    private Backends() {}

    public record Choice(Backend backend, String reason) {}

    public static Choice choose(String device) {
        String d = device == null ? "auto" : device.trim().toLowerCase(Locale.ROOT);
        if (d.equals("cpu")) {
            return new Choice(CpuBackend.get(), "cpu (asked for)");
        }
        if (d.equals("auto")) {
            // One quiet line where there is simply no GPU (the usual case on CPU machines); `info` says why in full.
            String why = CudaProbe.get().available() ? cudaUnavailableReason(0) : "no CUDA GPU found, using the CPU";
            if (why == null && !CudaBackend.VERIFIED_ON_GPU) {
                why = "this build's CUDA engine has not yet been verified on a GPU; --device cuda uses it anyway";
            }
            return why == null
                    ? new Choice(CudaBackend.get(0), "cuda:0 (auto)")
                    : new Choice(CpuBackend.get(), "cpu (auto: " + why + ")");
        }
        Matcher m = CUDA.matcher(d);
        if (m.matches()) {
            int ordinal = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
            String why = cudaUnavailableReason(ordinal);
            if (why != null) {
                throw new BackendUnavailableException("--device " + d + ": " + why);
            }
            return new Choice(CudaBackend.get(ordinal), d + " (asked for" + (CudaBackend.VERIFIED_ON_GPU ? ")"
                    : "; this build's CUDA engine has not yet been verified on a GPU, see README \"Status\")"));
        }
        throw new IllegalArgumentException(
                "unknown device '" + device + "': expected auto, cpu, cuda or cuda:N (N = 0, 1, ... a GPU's ordinal)");
    }

    /** Why CUDA device {@code ordinal} cannot serve as a backend in this process, or null when it can. */
    public static String cudaUnavailableReason(int ordinal) {
        CudaProbe p = CudaProbe.get();
        if (!p.compiled()) {
            return "no CUDA backend: " + p.reason();
        }
        if (!p.available()) {
            return "no usable CUDA device: " + p.reason();
        }
        if (ordinal >= p.deviceCount()) {
            return "no CUDA device " + ordinal + " (" + p.deviceCount() + " visible: " + String.join("; ", p.devices())
                    + ")";
        }
        return null;
    }
}
