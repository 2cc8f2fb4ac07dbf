package dev.tdsr.engine;

import dev.tdsr.engine.jni.Tdsr;

/**
 * Process-wide native engine state: loading the CPU library once, and the thread count of OpenMP and BLAS.
 *
 * <p>Threads default to 1 where the JVM sees 2 or fewer processors (such machines deliver about one core of
 * throughput, and OpenBLAS's spinning threads collapse there), else to the processor count. Override with
 * {@code -Dtdsr.threads=N}, the {@code TDSR_THREADS} environment variable, {@link #setThreads(int)} or the CLI's
 * {@code --threads}.
 */
public final class Engine {
    private static volatile boolean loaded;
    private static volatile int threads;

    private Engine() {}

    public static synchronized void ensureLoaded() {
        if (loaded) {
            return;
        }
        try {
            Class.forName(Tdsr.class.getName(), true, Engine.class.getClassLoader());
        } catch (Throwable t) {
            throw new NativeLibraryException("cannot load the tdsr CPU engine (libtdsr_cpu.so and its OpenBLAS runtime"
                    + " from the jar): " + rootMessage(t) + ". Run with -Dorg.bytedeco.javacpp.logger.debug=true to see"
                    + " every step of the loader.", t);
        }
        loaded = true;
        setThreads(defaultThreads());
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    public static int defaultThreads() {
        String configured = System.getProperty("tdsr.threads", System.getenv("TDSR_THREADS"));
        if (configured != null && !configured.isBlank()) {
            try {
                int n = Integer.parseInt(configured.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw new IllegalArgumentException(
                    "tdsr.threads / TDSR_THREADS must be a positive integer, got '" + configured + "'");
        }
        int cpus = Runtime.getRuntime().availableProcessors();
        return cpus <= 2 ? 1 : cpus;
    }

    /** Sets the OpenMP and BLAS thread counts of the CPU engine. */
    public static synchronized void setThreads(int n) {
        ensureLoadedQuietly();
        Status.check(Tdsr.tdsr_set_num_threads(n));
        threads = n;
    }

    private static void ensureLoadedQuietly() {
        if (!loaded) {
            ensureLoaded();
        }
    }

    public static int threads() {
        ensureLoadedQuietly();
        return threads;
    }

    public static String version() {
        ensureLoadedQuietly();
        return Tdsr.tdsr_version();
    }

    public static String blasInfo() {
        ensureLoadedQuietly();
        return Tdsr.tdsr_blas_info();
    }
}
