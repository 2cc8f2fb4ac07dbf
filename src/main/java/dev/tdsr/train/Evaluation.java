package dev.tdsr.train;

import java.io.IOException;
import java.util.Map;

/**
 * A periodic evaluation plugged into the loop (every {@code evalEvery} steps and after the last one). The returned
 * metrics are logged as {@code {"step": s, "eval": {...}}} in metrics.jsonl. Runs between steps, so the models are
 * not being updated; it must not change them.
 */
@FunctionalInterface
public interface Evaluation {
    Map<String, Object> evaluate(long step, RunModels models) throws IOException;
}
