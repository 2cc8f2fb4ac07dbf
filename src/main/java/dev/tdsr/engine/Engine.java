package dev.tdsr.engine;

import dev.tdsr.engine.jni.Tdsr;

/**
 * Process-wide native engine state: loading the CPU library once, and the thread count of OpenMP and BLAS.
 *
 * <p>Threads default to 1 where the JVM sees 2 or fewer processors (such machines deliver about one core of
 * throughput, and OpenBLAS's spinning threads collapse there), else to the processor count. Override with
 * {@code -Dtdsr.threads=N}, the {@code TDSR_THREADS} environment variable, {@link #setThreads(int)} or the CLI's
 * {@code --threads}.
 *
 * <p>Every source is bounded ({@link #boundThreads}): below 1 or above 4 x the processor count is an error (such
 * counts crashed or hung OpenMP/OpenBLAS); above the processor count the engine uses the processor count and says so
 * once on stderr, because more BLAS threads than processors spin against each other and can wedge the process.
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
        setThreads(defaultThreads(), configuredThreads() != null ? "tdsr.threads / TDSR_THREADS" : "threads");
        String conv = System.getProperty("tdsr.conv");
        if (conv != null && !conv.isBlank()) { // benchmarks: -Dtdsr.conv=gemm|direct|onednn|phased|auto
            setConvAlgorithm(convAlgorithm(conv));
        }
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    private static String configuredThreads() {
        String configured = System.getProperty("tdsr.threads", System.getenv("TDSR_THREADS"));
        return configured == null || configured.isBlank() ? null : configured;
    }

    /** The configured count (tdsr.threads, else TDSR_THREADS; >= 1, not yet capped), else the default. */
    public static int defaultThreads() {
        String configured = configuredThreads();
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

    /** The most threads accepted at all, as a multiple of the processors the JVM sees. */
    public static final int MAX_THREADS_PER_PROCESSOR = 4;

    /**
     * The thread count the engine uses for a requested one: an error outside 1..4 x processors (naming
     * {@code source}), the processor count (with a one-line warning on stderr) above it, else the request.
     */
    public static int boundThreads(int requested, int processors, String source) {
        int cpus = Math.max(1, processors);
        long max = (long) MAX_THREADS_PER_PROCESSOR * cpus;
        if (requested < 1 || requested > max) {
            throw new IllegalArgumentException(source + " must be between 1 and " + max + " (" + MAX_THREADS_PER_PROCESSOR
                    + " x the " + cpus + " processors this JVM sees), got " + requested);
        }
        if (requested > cpus) {
            System.err.println("warning: " + source + " " + requested + " is more than the " + cpus
                    + " processors this JVM sees; using " + cpus);
            return cpus;
        }
        return requested;
    }

    /** Sets the OpenMP and BLAS thread counts of the CPU engine, bounded as {@link #boundThreads} says. */
    public static synchronized void setThreads(int n) {
        setThreads(n, "threads");
    }

    /** As {@link #setThreads(int)}; {@code source} names the setting in errors and warnings (e.g. "--threads"). */
    public static synchronized void setThreads(int n, String source) {
        int bounded = boundThreads(n, Runtime.getRuntime().availableProcessors(), source);
        ensureLoadedQuietly();
        Status.check(Tdsr.tdsr_set_num_threads(bounded));
        threads = bounded;
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

    /** The CPU twins' convolution cores (tdsr_set_conv_algorithm); the results agree to rounding. */
    public enum ConvAlgorithm {
        /**
         * Per layer: the direct cores for layers with few output channels; the phased GEMM cores for D-DBPN 8x's
         * strided projections; for the rest oneDNN in float where it loaded, else (and in double) im2col + GEMM.
         */
        AUTO,
        /** im2col + GEMM everywhere. */
        GEMM,
        /** The direct cores wherever they apply (no dilation, not 1x1). */
        DIRECT,
        /** oneDNN for every float convolution it takes (an error where libtdsr_dnnl.so did not load). */
        ONEDNN,
        /** The phased GEMM cores for every strided, undilated convolution; im2col + GEMM for the rest. */
        PHASED
    }

    /** The algorithm named by {@code -Dtdsr.conv} (auto, gemm, direct, onednn or phased, any case). */
    static ConvAlgorithm convAlgorithm(String name) {
        for (ConvAlgorithm a : ConvAlgorithm.values()) {
            if (a.name().equalsIgnoreCase(name.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("tdsr.conv must be auto, gemm, direct, onednn or phased, got '" + name + "'");
    }

    /** For tests and benchmarks that compare the convolution cores; the default is {@link ConvAlgorithm#AUTO}. */
    public static synchronized void setConvAlgorithm(ConvAlgorithm algorithm) {
        ensureLoadedQuietly();
        Status.check(Tdsr.tdsr_set_conv_algorithm(algorithm.ordinal()));
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
