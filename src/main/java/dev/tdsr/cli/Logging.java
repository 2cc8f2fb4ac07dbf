package dev.tdsr.cli;

/**
 * The CLI's logging: slf4j-simple (shaded into the CLI jar only; the library keeps the SLF4J API), configured before
 * the first logger exists. Plain lines on stderr, {@code WARN message}; dev.tdsr at INFO and everything else at WARN,
 * or with {@code --verbose} dev.tdsr at DEBUG, others at INFO, logger names shown, and errors with their stack trace.
 * A {@code -Dorg.slf4j.simpleLogger.*} property given by the user wins.
 */
final class Logging {
    static final String VERBOSE = "--verbose";
    private static final String P = "org.slf4j.simpleLogger.";
    private static volatile boolean verbose;

    private Logging() {}

    /** Configures the backend from the command line (a {@code --verbose} anywhere before {@code --}). */
    static void configure(String... args) {
        boolean v = false;
        for (String a : args) {
            if ("--".equals(a)) {
                break;
            }
            v |= VERBOSE.equals(a);
        }
        verbose = v;
        set("defaultLogLevel", v ? "info" : "warn");
        set("log.dev.tdsr", v ? "debug" : "info");
        set("logFile", "System.err");
        set("showThreadName", "false");
        set("showDateTime", "false");
        set("showLogName", "false");
        set("showShortLogName", Boolean.toString(v));
        set("levelInBrackets", "false");
        set("warnLevelString", "WARN");
    }

    /** The parsed option (the stack traces of errors follow it; log levels are fixed once the backend started). */
    static void verbose(boolean v) {
        verbose = v;
    }

    static boolean verbose() {
        return verbose;
    }

    private static void set(String key, String value) {
        if (System.getProperty(P + key) == null) {
            System.setProperty(P + key, value);
        }
    }
}
