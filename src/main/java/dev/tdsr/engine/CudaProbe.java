package dev.tdsr.engine;

import dev.tdsr.engine.jni.TdsrCuda;
import java.util.ArrayList;
import java.util.List;

/**
 * What the CUDA library says about this machine, asked once and never fatal: a missing driver, no device or a
 * library built without nvcc all end as {@link #reason()}. Where devices exist, probing registers the CUDA twins with
 * the engine, so tensors can then be created on them.
 */
public record CudaProbe(boolean compiled, int deviceCount, int runtimeVersion, int driverVersion, List<String> devices,
        String reason) {

    private static volatile CudaProbe cached;

    public static CudaProbe get() {
        CudaProbe p = cached;
        if (p == null) {
            p = probe();
            cached = p;
        }
        return p;
    }

    public boolean available() {
        return deviceCount > 0;
    }

    private static CudaProbe probe() {
        try {
            // The CUDA library links against the engine library and registers its twins with it.
            Engine.ensureLoaded();
            Class.forName(TdsrCuda.class.getName(), true, CudaProbe.class.getClassLoader());
        } catch (Throwable t) {
            return new CudaProbe(false, 0, 0, 0, List.of(), "the CUDA library did not load: " + Engine.rootMessage(t));
        }
        boolean compiled = TdsrCuda.tdsr_cuda_compiled() != 0;
        int count = TdsrCuda.tdsr_cuda_register();
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            devices.add(TdsrCuda.tdsr_cuda_device_info(i));
        }
        String reason = count > 0 ? "" : TdsrCuda.tdsr_cuda_last_error();
        return new CudaProbe(compiled, Math.max(count, 0), TdsrCuda.tdsr_cuda_runtime_version(), TdsrCuda.tdsr_cuda_driver_version(),
                List.copyOf(devices), reason);
    }

    /** "13.0" from 13000. */
    public static String versionString(int v) {
        return v <= 0 ? "none" : (v / 1000) + "." + (v % 1000) / 10;
    }
}
