package dev.tdsr.study;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Engine;
import dev.tdsr.report.ShapeCheck;
import dev.tdsr.report.StudyResults;
import dev.tdsr.train.RunLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code train} without arguments (its default mode {@code study}): the study of the shipped config (by default the
 * built-in CPU study on the synthetic set), with real training and evaluation ({@link TrainingStudySteps}); writes
 * results.json, report.md and report.html into the output folder (default {@code runs/study-<name>}) and prints the
 * shape verdict.
 */
public final class StudyRunner {
    private StudyRunner() {}

    /**
     * What to run: {@code study} a shipped study config's name ("default", "quick", "voc0712", "coco") or a file,
     * {@code overrides} its {@code key.path=value} changes, {@code out} the output folder (null: the runner's default),
     * {@code scaleWorkers} how many scales run at the same time (null: as many as the processors hold at the engine's
     * thread count, on the CPU; one on a GPU).
     */
    public record Request(String study, List<String> overrides, Path out, Integer scaleWorkers) {
        public Request(String study, List<String> overrides, Path out) {
            this(study, overrides, out, null);
        }
    }

    /** Runs the study and returns the process exit code. */
    public static int run(Request request, Backend backend, PrintWriter out) throws IOException {
        if (SegmentationStudyConfig.names(request.study())) { // its own kind of study: masks, an FCN, no detector
            return SegmentationStudy.run(request.study(), request.overrides(), request.out(), backend, out);
        }
        StudyConfig config = ConfigLoader.resolve(request.study(), request.overrides());
        ConfigLoader.requireNoPlaceholders(config);
        Path dir = request.out() != null ? request.out() : Path.of("runs", "study-" + config.name());
        // one process per study folder (each of its runs also locks its own folder in Trainer)
        try (RunLock lock = RunLock.acquire(dir)) {
            return run(request, config, dir, backend, out);
        }
    }

    private static int run(Request request, StudyConfig config, Path dir, Backend backend, PrintWriter out)
            throws IOException {
        out.println("study '" + config.name() + "' into " + dir.toAbsolutePath());
        out.flush();
        int workers = Math.min(config.scales().size(), scaleWorkers(request, backend));
        if (workers > 1) {
            out.println("scales " + config.scales() + " run " + workers + " at a time (--scale-workers)");
        }
        // generated data is shared by the studies beside this one (runs/data for runs/study-default)
        TrainingStudySteps steps = new TrainingStudySteps(backend, out, dir.toAbsolutePath().getParent().resolve("data"),
                workers > 1, detectorThreads(backend));
        long t0 = System.nanoTime();
        try {
            StudyResults results = new Study(config, steps, dir, steps.describe(config), workers).run();
            List<ShapeCheck.Check> checks = ShapeCheck.run(results);
            out.printf("study done in %.1f min: %s, %s%n", (System.nanoTime() - t0) / 6e10,
                    dir.resolve("report.md"), dir.resolve("report.html"));
            out.println("paper's shape (TDSR > SR-FT+ >= SR-FT > Bicubic in mAP, TDSR's PSNR below SR-FT's, TDSR > SRGAN "
                    + "in mAP where the row is run): "
                    + ShapeCheck.overall(checks).word()
                    + (dev.tdsr.report.ReportDocument.smokeRun(results.metadata()) != null
                            ? " (a smoke run: it shows that every part runs, not the paper's shape)" : ""));
            for (ShapeCheck.Check c : checks) {
                out.printf(java.util.Locale.ROOT, "  x%d %-28s %s vs %s: %s%s%n", c.scale(), c.claim(),
                        c.formatted(c.leftValue()), c.formatted(c.rightValue()), c.verdict().word(),
                        c.support() == null ? ""
                                : String.format(java.util.Locale.ROOT, " (holds in %.1f %% of resamples)",
                                        100 * c.support()));
            }
            out.flush();
            return 0;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("study failed: " + e.getMessage(), e);
        } finally {
            steps.close();
        }
    }

    /**
     * The requested count, else on the CPU the processors divided by the engine's threads per job (2 on a 2-vCPU
     * machine at 1 thread: two scale runs at once measured 2.6 it/s each against 2.7 alone), else 1 (one GPU).
     */
    /**
     * On the CPU the threads the detector trains on, alone before the scales start: the engine's threads times the
     * scale workers the processors hold (2 on a 2-vCPU machine at 1 thread; measured 2.14 against 1.59 it/s at 1,
     * 2026-12-01). It does not depend on --scale-workers, so neither do the numbers; 0 (unchanged) on a GPU.
     */
    static int detectorThreads(Backend backend) {
        if (!backend.name().equals("cpu")) {
            return 0;
        }
        return Engine.threads() * Math.max(1, Runtime.getRuntime().availableProcessors() / Engine.threads());
    }

    static int scaleWorkers(Request request, Backend backend) {
        if (request.scaleWorkers() != null) {
            if (request.scaleWorkers() < 1) {
                throw new IllegalArgumentException("--scale-workers: expected >= 1, got " + request.scaleWorkers());
            }
            return request.scaleWorkers();
        }
        if (!backend.name().equals("cpu")) {
            return 1;
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Engine.threads());
    }
}
