package dev.tdsr.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Problems met while reading a dataset: a count per kind and the first {@value #KEPT_MESSAGES} messages. Under
 * {@link BadInputPolicy#FAIL_FAST} the first report throws instead. Thread-safe.
 */
public final class LoadSummary {
    /** Kinds of bad input; each message names the file and the field. */
    public enum Problem {
        /** The image file named by an annotation does not exist (the whole sample is skipped). */
        MISSING_IMAGE,
        /** The image file cannot be decoded or its size disagrees with the annotation (sample skipped). */
        CORRUPT_IMAGE,
        /** An annotation file is not well-formed XML/JSON or lacks a required field (sample or object skipped). */
        MALFORMED_ANNOTATION,
        /** A box reaches outside the image (object skipped). */
        BOX_OUTSIDE_IMAGE,
        /** A box has zero or negative width or height (object skipped). */
        ZERO_AREA_BOX,
        /** A class name or category id that is not in the class list (object skipped). */
        UNKNOWN_CLASS
    }

    static final int KEPT_MESSAGES = 10;

    private final BadInputPolicy policy;
    private final Map<Problem, Integer> counts = new EnumMap<>(Problem.class);
    private final List<String> messages = new ArrayList<>();

    public LoadSummary(BadInputPolicy policy) {
        this.policy = policy;
    }

    public BadInputPolicy policy() {
        return policy;
    }

    /** Records a problem; throws {@link DatasetFormatException} under FAIL_FAST. */
    public synchronized void report(Problem problem, String message) {
        report(problem, message, null);
    }

    public synchronized void report(Problem problem, String message, Throwable cause) {
        if (policy == BadInputPolicy.FAIL_FAST) {
            throw new DatasetFormatException(problem, message, cause);
        }
        counts.merge(problem, 1, Integer::sum);
        if (messages.size() < KEPT_MESSAGES) {
            messages.add(problem + ": " + message);
        }
    }

    public synchronized int count(Problem problem) {
        return counts.getOrDefault(problem, 0);
    }

    public synchronized int total() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The first few messages, each prefixed with its kind. */
    public synchronized List<String> firstMessages() {
        return Collections.unmodifiableList(new ArrayList<>(messages));
    }

    @Override
    public synchronized String toString() {
        return total() == 0 ? "no problems" : "skipped: " + counts + (messages.isEmpty() ? "" : "; first: " + messages.get(0));
    }
}
