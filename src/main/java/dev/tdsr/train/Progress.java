package dev.tdsr.train;

import java.io.PrintWriter;
import java.text.DecimalFormat;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What a person watching sees: on a terminal a progress bar (it/s, ETA, and the loss parts and lr as its message);
 * otherwise (a log file, CI) one plain line every {@code every} steps with the same figures.
 */
abstract class Progress implements AutoCloseable {
    abstract void update(StepMetrics m);

    /** A line that is not a step (checkpoint, evaluation, resume). */
    abstract void message(String line);

    @Override
    public abstract void close();

    /** Which loss parts a run has: a detector has no MSE, an SR run no loc/conf, SRGAN its G and D losses. */
    enum Parts { DETECTOR, SR, TDSR, SRGAN }

    final Parts kind;

    Progress(Parts kind) {
        this.kind = kind;
    }

    static Progress create(boolean terminal, long start, long total, int every, PrintWriter log, Parts kind) {
        return terminal ? new Bar(start, total, log, kind) : new Lines(start, total, every, log, kind);
    }

    /** The step's figures for people: 3-4 significant digits (metrics.jsonl keeps full precision). */
    static String parts(StepMetrics m, Parts kind, boolean withStage) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "loss %s", sig(m.loss(), 4)));
        if (kind != Parts.DETECTOR) {
            sb.append(" mse ").append(sig(m.mse(), 3));
        }
        if (kind == Parts.SRGAN) {
            if (m.adv() != null) {
                sb.append(" content ").append(sig(m.content(), 3)).append(" G ").append(sig(m.adv(), 3))
                        .append(" D ").append(sig(m.disc(), 3));
            }
        } else if (m.task() != null) { // a task without loc/conf (segmentation's pixel CE)
            sb.append(" task ").append(sig(m.task(), 3));
        } else if (kind != Parts.SR) {
            sb.append(" loc ").append(sig(m.loc(), 3)).append(" conf ").append(sig(m.conf(), 3));
        }
        sb.append(String.format(Locale.ROOT, " lr %.1e", m.lr()));
        if (withStage) {
            sb.append(" stage ").append(m.stage());
        }
        return sb.toString();
    }

    /** {@code digits} significant digits without an exponent for ordinary magnitudes ("0.00412", "4.87"). */
    static String sig(double v, int digits) {
        if (v == 0 || !Double.isFinite(v)) {
            return v == 0 ? "0" : Double.toString(v);
        }
        double a = Math.abs(v);
        if (a < 1e-4 || a >= 1e6) {
            return String.format(Locale.ROOT, "%." + (digits - 1) + "e", v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).stripTrailingZeros()
                .toPlainString();
    }

    /** The progress bar library on stderr. */
    private static final class Bar extends Progress {
        private final ProgressBar bar;
        private final PrintWriter log;

        Bar(long start, long total, PrintWriter log, Parts kind) {
            super(kind);
            this.log = log;
            this.bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(total)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).showSpeed(new DecimalFormat("0.00"))
                    .setUnit(" it", 1)
                    .setSpeedUnit(ChronoUnit.SECONDS).startsFrom(start, Duration.ZERO)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }

        @Override
        void update(StepMetrics m) {
            bar.setExtraMessage(" " + parts(m, kind, false));
            bar.stepTo(m.step());
        }

        @Override
        void message(String line) {
            log.println(line);
            log.flush();
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** One log line every {@code every} steps (and at the last step), with it/s and ETA of this session. */
    private static final class Lines extends Progress {
        private final long start;
        private final long total;
        private final int every;
        private final PrintWriter log;
        private final long t0 = System.nanoTime();

        Lines(long start, long total, int every, PrintWriter log, Parts kind) {
            super(kind);
            this.start = start;
            this.total = total;
            this.every = every;
            this.log = log;
        }

        @Override
        void update(StepMetrics m) {
            if (m.step() % every != 0 && m.step() != total) {
                return;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double rate = (m.step() - start) / Math.max(secs, 1e-9);
            long eta = Math.round((total - m.step()) / Math.max(rate, 1e-9));
            log.println(String.format(Locale.ROOT, "step %d/%d %s | %.3g it/s, ETA %d:%02d:%02d", m.step(), total,
                    parts(m, kind, true), rate, eta / 3600, eta / 60 % 60, eta % 60));
            log.flush();
        }

        @Override
        void message(String line) {
            log.println(line);
            log.flush();
        }

        @Override
        public void close() {
            log.flush();
        }
    }
}
