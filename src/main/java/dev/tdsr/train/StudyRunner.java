package dev.tdsr.train;

import dev.tdsr.engine.Backend;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * The whole study (detector, SR-FT, SR-FT+, TDSR, evaluation, report), run by {@code train} in its default mode
 * {@code study}. Implemented outside this package and found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.tdsr.train.StudyRunner} file), so train does not depend on the report code.
 */
public interface StudyRunner {
    /**
     * Runs the study from {@code config} (not resolved: mode-specific defaults are the runner's to choose) and
     * returns the process exit code.
     */
    int run(TrainConfig config, Backend backend, PrintWriter out) throws IOException;
}
