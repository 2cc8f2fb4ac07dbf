package dev.tdsr.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The paper's stage notation {@code n1:a1:b1+n2:a2:b2+...}: train n1 iterations with loss weights (alpha1, beta1),
 * then n2 with (alpha2, beta2), with the same model and optimizer state throughout (training.md section 2). A count
 * may end in {@code k} (x1000), e.g. TDSR's {@code 100k:1:0+200k:1:0.01}.
 *
 * <p>SR-FT is {@code 100k:1:0} and SR-FT+ is {@code 100k:1:0+200k:1:0}: the TDSR schedule's length and stage boundary
 * with beta = 0 (and the same lr decay at 200k), a control for the extra training TDSR gets. Iterations are counted
 * from 0 here; {@link #stageIndex} maps an iteration to its stage.
 */
public record Schedule(List<Stage> stages) {
    /** One stage: {@code iterations} steps of {@code alpha * MSE + beta * L_task}. */
    public record Stage(long iterations, double alpha, double beta) {
        @Override
        public String toString() {
            return count(iterations) + ":" + number(alpha) + ":" + number(beta);
        }
    }

    public Schedule {
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("schedule: expected at least one stage n:alpha:beta");
        }
        stages = List.copyOf(stages);
    }

    /** Parses the notation; the message of a bad string names the bad part and the expected form. */
    public static Schedule parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("schedule: empty; expected n1:alpha1:beta1+n2:alpha2:beta2+..., "
                    + "e.g. 100k:1:0+200k:1:0.01");
        }
        List<Stage> stages = new ArrayList<>();
        String[] parts = text.strip().split("\\+", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].strip();
            String where = "schedule '" + text + "', stage " + (i + 1) + " '" + part + "'";
            String[] f = part.split(":", -1);
            if (f.length != 3) {
                throw new IllegalArgumentException(where + ": expected n:alpha:beta (three fields separated by ':'), "
                        + "e.g. 100k:1:0");
            }
            long n = parseCount(f[0].strip(), where);
            double alpha = parseWeight(f[1].strip(), "alpha", where);
            double beta = parseWeight(f[2].strip(), "beta", where);
            stages.add(new Stage(n, alpha, beta));
        }
        return new Schedule(stages);
    }

    /** A one-stage schedule. */
    public static Schedule of(long iterations, double alpha, double beta) {
        return new Schedule(List.of(new Stage(iterations, alpha, beta)));
    }

    private static long parseCount(String s, String where) {
        boolean kilo = s.toLowerCase(Locale.ROOT).endsWith("k");
        String digits = kilo ? s.substring(0, s.length() - 1) : s;
        try {
            double v = Double.parseDouble(digits) * (kilo ? 1000 : 1);
            if (digits.isEmpty() || v < 1 || v != Math.rint(v) || v > Long.MAX_VALUE / 2) {
                throw new NumberFormatException();
            }
            return (long) v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": iteration count '" + s
                    + "' must be a positive whole number, optionally with k (x1000), e.g. 200 or 100k");
        }
    }

    private static double parseWeight(String s, String name, String where) {
        try {
            double v = Double.parseDouble(s);
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": " + name + " '" + s
                    + "' must be a finite number >= 0, e.g. 1 or 0.01");
        }
    }

    public long totalIterations() {
        long t = 0;
        for (Stage s : stages) {
            t += s.iterations();
        }
        return t;
    }

    /** The stage that iteration {@code it} (0-based) belongs to; past the end, the last stage. */
    public int stageIndex(long it) {
        if (it < 0) {
            throw new IllegalArgumentException("schedule: iteration must be >= 0, got " + it);
        }
        long end = 0;
        for (int i = 0; i < stages.size(); i++) {
            end += stages.get(i).iterations();
            if (it < end) {
                return i;
            }
        }
        return stages.size() - 1;
    }

    /** The schedule of the first {@code iterations} iterations (the stage holding the cut shortened to it). */
    public Schedule first(long iterations) {
        if (iterations < 1 || iterations > totalIterations()) {
            throw new IllegalArgumentException("schedule " + this + ": cannot take the first " + iterations
                    + " iterations");
        }
        List<Stage> kept = new java.util.ArrayList<>();
        long left = iterations;
        for (Stage st : stages) {
            if (left == 0) {
                break;
            }
            long n = Math.min(left, st.iterations());
            kept.add(new Stage(n, st.alpha(), st.beta()));
            left -= n;
        }
        return new Schedule(kept);
    }

    /** Whether iteration count {@code it} ends a stage (a natural point to checkpoint and to branch from). */
    public boolean endsStage(long it) {
        long end = 0;
        for (Stage st : stages) {
            end += st.iterations();
            if (it == end) {
                return true;
            }
        }
        return false;
    }

    public Stage stageAt(long it) {
        return stages.get(stageIndex(it));
    }

    /** The notation again ({@code 100k:1:0+200k:1:0.01}); parse(toString()) equals this. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Stage st : stages) {
            s.append(s.length() == 0 ? "" : "+").append(st);
        }
        return s.toString();
    }

    private static String count(long n) {
        return n % 1000 == 0 ? n / 1000 + "k" : Long.toString(n);
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
