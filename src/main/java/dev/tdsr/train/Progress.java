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

    static Progress create(boolean terminal, long start, long total, int every, PrintWriter log) {
        return terminal ? new Bar(start, total, log) : new Lines(start, total, every, log);
    }

    static String parts(StepMetrics m) {
        return String.format(Locale.ROOT, "loss %.5g mse %.5g loc %.4g conf %.4g lr %.2e stage %d", m.loss(),
                m.mse(), m.loc(), m.conf(), m.lr(), m.stage());
    }

    /** The progress bar library on stderr. */
    private static final class Bar extends Progress {
        private final ProgressBar bar;
        private final PrintWriter log;

        Bar(long start, long total, PrintWriter log) {
            this.log = log;
            this.bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(total)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).showSpeed(new DecimalFormat("0.00"))
                    .setUnit(" it", 1)
                    .setSpeedUnit(ChronoUnit.SECONDS).startsFrom(start, Duration.ZERO)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }

        @Override
        void update(StepMetrics m) {
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4g mse %.4g loc %.3g conf %.3g lr %.1e",
                    m.loss(), m.mse(), m.loc(), m.conf(), m.lr()));
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

        Lines(long start, long total, int every, PrintWriter log) {
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
                    parts(m), rate, eta / 3600, eta / 60 % 60, eta % 60));
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
