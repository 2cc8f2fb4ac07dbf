package dev.tdsr.models;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The loss of a {@link TaskNetwork} on one batch: {@code total} (what the SR network is trained against, before any
 * weight) and its named parts in the order the task reports them (detection: {@code loc}, {@code conf}, each already
 * divided by the number of positives, total = loc + conf; a one-part task reports its total under its own name).
 */
public record TaskLoss(double total, Map<String, Double> parts) {
    public TaskLoss {
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    }

    /** No task loss (MSE-only stages): total 0, no parts. */
    public static final TaskLoss NONE = new TaskLoss(0, Map.of());

    /** The part {@code name}, 0 when the task does not report it. */
    public double part(String name) {
        return parts.getOrDefault(name, 0.0);
    }
}
