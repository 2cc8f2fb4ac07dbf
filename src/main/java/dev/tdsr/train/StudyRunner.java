package dev.tdsr.train;

import dev.tdsr.engine.Backend;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * The whole study (detector, SR, SR-FT, SR-FT+, TDSR, evaluation, report), run by {@code train} in its default mode
 * {@code study}. Implemented outside this package and found with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.tdsr.train.StudyRunner} file), so train does not depend on the report code.
 */
public interface StudyRunner {
    /**
     * What to run: {@code study} a shipped study config's name ("default", "quick", "voc0712", "coco") or a file,
     * {@code overrides} its {@code key.path=value} changes, {@code out} the output folder (null: the runner's default),
     * {@code scaleWorkers} how many scales run at the same time (null: as many as the processors hold at the engine's
     * thread count, on the CPU; one on a GPU).
     */
    record Request(String study, List<String> overrides, Path out, Integer scaleWorkers) {
        public Request(String study, List<String> overrides, Path out) {
            this(study, overrides, out, null);
        }
    }

    /** Runs the study and returns the process exit code. */
    int run(Request request, Backend backend, PrintWriter out) throws IOException;
}
