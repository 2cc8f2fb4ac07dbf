package dev.tdsr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tdsr.data.Batch;
import dev.tdsr.data.BatchLoader;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ComputeStream;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.NativeBackend;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.io.HostArray;
import dev.tdsr.io.Safetensors;
import dev.tdsr.io.WeightFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one training loop of every mode, on a stream of its own ({@link ComputeStream}). Each step, inside one engine
 * {@link Scope}: stage the loader's next batch on the device (on a GPU its copy overlaps this step), take the batch
 * staged before, zero the trained gradients, let the {@link Task} run forward and backward, stop on a non-finite loss part,
 * take one optimizer step at the schedule's lr that the device skips on a non-finite gradient (read after the step,
 * which then stops), then log, checkpoint and evaluate when due.
 *
 * <p>Run folder ({@code out}): {@code config.json} (the resolved config, version, seed, device), {@code
 * metrics.jsonl}, {@code checkpoints/step-NNNNNNNN/} ({@code model.json} + {@code weights.safetensors} of the trained
 * model, {@code optimizer.safetensors}, {@code state.json} with the step, loader position and config) with
 * {@code checkpoints/latest}, and {@code final/} (the trained model at the end). A checkpoint holds everything that
 * influences later steps, so {@link #resume} continues with exactly the losses an uninterrupted run has (on CPU).
 *
 * <p>What it trains comes assembled in a {@link TrainingRun} ({@link TrainingRun#build} from a config); the Trainer
 * owns the loop, the run folder and the checkpoints only.
 */
public final class Trainer implements AutoCloseable {
    /**
     * How a run talks to its caller: where lines go, whether a progress bar is drawn, the evaluation hook (null: the
     * config's {@link PeriodicEvaluation} when {@code evalEvery > 0}), and whether Ctrl-C (a JVM shutdown hook) should
     * checkpoint before the JVM exits.
     */
    public record Options(PrintWriter log, boolean progressBar, Evaluation evaluation, boolean shutdownHook) {
        /** Plain log lines, the config's evaluation, no shutdown hook (tests, the study). */
        public static Options quiet(PrintWriter log) {
            return new Options(log, false, null, false);
        }
    }

    /** What a finished run reports; {@code stopped} when a stop request ended it before {@code steps}. */
    public record Result(Path runDir, long step, StepMetrics last, Path checkpoint, Path finalModel,
                         boolean stopped) {}

    static final String CHECKPOINTS = "checkpoints";
    /** Where an alternating run (SR4IR's) keeps its trained task network inside final/ and each checkpoint. */
    public static final String TASK_NETWORK = "task-network";
    static final String STATE = "state.json";
    static final String OPTIMIZER = "optimizer.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TrainingRun run;
    private final TrainConfig config;
    private final Backend backend;
    private final Options options;
    private final Path out;
    private final Task task;
    private final Optimizer optimizer;
    private final BatchLoader loader;
    private final Schedule schedule;
    private final LrSchedule lrSchedule;
    private long step;
    private double secondsBefore;
    private Path lastCheckpoint;
    private String startedFrom;
    private final Evaluation evaluation;
    /** The run folder's OS lock, held from before anything in it is touched until {@link #close}. */
    private final RunLock lock;
    private volatile boolean stopRequested;
    private final CountDownLatch finished = new CountDownLatch(1);
    /** Test seam: runs inside each checkpoint's temp folder after the files are written (to simulate disk full). */
    AtomicFiles.Writer<Path> checkpointFault;
    /**
     * Test seam: lets {@code cudaGraph} run on a backend without CUDA graphs, the captured step's work then running
     * eagerly every step ({@link CapturedStep.Recorder#EAGER}), so its static buffers are checked on the CPU.
     */
    boolean eagerCaptureForTests;

    /**
     * Takes over {@code run} (closed with this Trainer, or here if setting up fails). {@code resumeFrom}: a checkpoint
     * to continue from (this run's own, or with {@code branched} another run's).
     */
    Trainer(RunLock lock, TrainingRun run, Options options, Path resumeFrom, boolean branched) throws IOException {
        this.lock = lock;
        this.run = run;
        this.config = run.config();
        this.backend = run.backend();
        this.options = options;
        this.out = Path.of(config.out());
        this.task = run.task();
        this.optimizer = run.optimizer();
        this.loader = run.loader();
        this.schedule = config.scheduleValue();
        this.lrSchedule = config.lrSchedule();
        try {
            this.evaluation = options.evaluation() != null ? options.evaluation()
                    : config.evalEvery() > 0 ? PeriodicEvaluation.of(config, run.models()) : null;
            if (resumeFrom != null) {
                restore(resumeFrom);
                startedFrom = (branched ? "branched from " : "resumed from ") + resumeFrom;
                if (branched) {
                    lastCheckpoint = null; // the parent's checkpoint is not this run's
                }
            }
            writeRunInfo(branched ? resumeFrom : null);
        } catch (IOException | RuntimeException e) {
            run.close();
            lock.close();
            throw e;
        }
    }

    /** Builds the run while holding {@code lock}; releases it if building fails. */
    private static Trainer locked(RunLock lock, TrainConfig c, Backend backend, Options options, Path resumeFrom,
            boolean branched) throws IOException {
        TrainingRun run;
        try {
            run = TrainingRun.build(c, backend);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        return new Trainer(lock, run, options, resumeFrom, branched);
    }

    /** Runs {@code body} while holding the lock of {@code out}; on failure the lock is released. */
    private static <T> T underLock(RunLock lock, IoSupplier<T> body) throws IOException {
        try {
            return body.get();
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    /** Starts a fresh run in {@code config.out()}; refuses a folder that holds a run's checkpoints. */
    public static Trainer start(TrainConfig config, Backend backend, Options options) throws IOException {
        TrainConfig c = config.resolve();
        Path root = Path.of(c.out()).resolve(CHECKPOINTS);
        RunLock lock = RunLock.acquire(Path.of(c.out()));
        underLock(lock, () -> {
            if (Files.exists(root.resolve(AtomicFiles.LATEST))) {
                throw new IllegalArgumentException("--out " + c.out() + " already holds a run (checkpoint "
                        + AtomicFiles.latest(root).map(Path::getFileName).orElse(null)
                        + "); use --resume to continue it or choose another --out");
            }
            return null;
        });
        return locked(lock, c, backend, options, null, false);
    }

    /**
     * Continues the run in {@code out} from its latest whole checkpoint, with that checkpoint's config; {@code steps}
     * (null = keep) may extend or shorten the run.
     */
    public static Trainer resume(Path out, Long steps, Backend backend, Options options) throws IOException {
        if (!Files.isDirectory(out.resolve(CHECKPOINTS))) {
            throw new IllegalArgumentException("--resume: " + out.resolve(CHECKPOINTS)
                    + " has no checkpoint yet; start without --resume");
        }
        RunLock lock = RunLock.acquire(out);
        TrainConfig c = underLock(lock, () -> resumedConfig(out, steps));
        Path ckpt = AtomicFiles.latest(out.resolve(CHECKPOINTS)).orElseThrow();
        return locked(lock, c, backend, options, ckpt, false);
    }

    private static TrainConfig resumedConfig(Path out, Long steps) throws IOException {
        Path ckpt = AtomicFiles.latest(out.resolve(CHECKPOINTS)).orElseThrow(() -> new IllegalArgumentException(
                "--resume: " + out.resolve(CHECKPOINTS) + " has no checkpoint yet; start without --resume"));
        JsonNode state = JSON.readTree(ckpt.resolve(STATE).toFile());
        TrainConfig c = TrainConfig.fromJson((ObjectNode) state.get("config"), ckpt.resolve(STATE).toString());
        ObjectNode over = JSON.createObjectNode();
        over.put("out", out.toString());
        if (steps != null) {
            over.put("steps", steps);
        }
        return c.with(TrainConfig.fromJson(over, "--resume options")).resolve();
    }

    /**
     * Starts a new run in {@code config.out()} from a checkpoint of another run whose first steps it shares: the same
     * config except {@code steps}, {@code schedule}, the lr decay and bookkeeping (out, logging, checkpointing,
     * evaluation, workers), with a schedule and learning rates that agree with the parent's up to the checkpoint. It then continues exactly as an
     * uninterrupted run of {@code config} would (on CPU): SR-FT+ and TDSR both begin with SR-FT's stage, so they branch
     * from its last checkpoint instead of training it again. The parent's metrics up to the checkpoint are copied, so
     * the new run's {@code metrics.jsonl} reads as one run.
     */
    public static Trainer branch(Path parentCheckpoint, TrainConfig config, Backend backend, Options options)
            throws IOException {
        Path stateFile = parentCheckpoint.resolve(STATE);
        if (!Files.isRegularFile(stateFile)) {
            throw new IllegalArgumentException("branch: " + parentCheckpoint + " is not a checkpoint (no " + STATE
                    + ")");
        }
        JsonNode state = JSON.readTree(stateFile.toFile());
        long at = state.get("step").asLong();
        TrainConfig parent = TrainConfig.fromJson((ObjectNode) state.get("config"), stateFile.toString());
        TrainConfig child = config.resolve();
        List<String> differ = new ArrayList<>();
        ObjectNode a = sharedPart(parent);
        ObjectNode b = sharedPart(child);
        if (parent.scheduleValue().first(at).stages().stream().allMatch(s -> s.beta() == 0)) {
            for (String k : SR4IR_KEYS) { // SR4IR's objectives act in beta > 0 stages only: not in the shared steps
                a.remove(k);
                b.remove(k);
            }
        }
        a.fieldNames().forEachRemaining(k -> {
            if (!a.get(k).equals(b.get(k))) {
                differ.add(k + " (" + a.get(k) + " vs " + b.get(k) + ")");
            }
        });
        if (!differ.isEmpty()) {
            throw new IllegalArgumentException("branch from " + parentCheckpoint + ": the runs differ in "
                    + String.join(", ", differ));
        }
        Schedule mine = child.scheduleValue();
        if (at > mine.totalIterations() || !parent.scheduleValue().first(at).equals(mine.first(at))) {
            throw new IllegalArgumentException("branch from " + parentCheckpoint + " (step " + at + "): schedule "
                    + mine + " does not begin with " + parent.scheduleValue().first(at));
        }
        LrSchedule parentLr = parent.lrSchedule();
        LrSchedule childLr = child.lrSchedule();
        for (long i = 0; i < at; i++) {
            if (parentLr.at(i) != childLr.at(i)) {
                throw new IllegalArgumentException("branch from " + parentCheckpoint + " (step " + at + "): the lr of "
                        + "step " + (i + 1) + " differs (" + parentLr.at(i) + " vs " + childLr.at(i) + ")");
            }
        }
        Path out = Path.of(child.out());
        RunLock lock = RunLock.acquire(out);
        underLock(lock, () -> {
            if (AtomicFiles.latest(out.resolve(CHECKPOINTS)).isPresent()) {
                throw new IllegalArgumentException("branch: " + out + " already holds a run; choose another folder");
            }
            Path parentMetrics = parentCheckpoint.getParent().getParent().resolve(MetricsLog.FILE);
            if (Files.exists(parentMetrics)) {
                Files.copy(parentMetrics, out.resolve(MetricsLog.FILE), StandardCopyOption.REPLACE_EXISTING);
            }
            return null;
        });
        return locked(lock, child, backend, options, parentCheckpoint, true);
    }

    private static final List<String> SR4IR_KEYS = List.of("perceptualWeight", "perceptualTaps", "patchMixGrid",
            "alternate", "taskLr");

    /** The fields two runs must share for one to continue the other's steps. */
    private static ObjectNode sharedPart(TrainConfig c) {
        ObjectNode n = c.toJson();
        // the schedule and the lr decay are compared up to the branch step only
        for (String k : List.of("steps", "schedule", "lrDecayAt", "lrGamma", "out", "logEvery", "checkpointEvery",
                "keepCheckpoints",
                "evalEvery", "evalData", "evalSplit", "evalLrDir", "evalImages", "workers", "cudaGraph")) {
            n.remove(k);
        }
        return n;
    }

    public TrainConfig config() {
        return config;
    }

    public RunModels models() {
        return run.models();
    }

    /** Steps done so far. */
    public long step() {
        return step;
    }

    public Path runDir() {
        return out;
    }

    /** Asks the loop to checkpoint and return at the next step boundary (thread-safe; what Ctrl-C does). */
    public void requestStop() {
        stopRequested = true;
    }

    /** Trains until {@code config.steps()} or a stop request; checkpoints and writes final/ at the end. */
    public Result run() throws IOException {
        Thread hook = options.shutdownHook() ? new Thread(this::stopAndWait, "tdsr-train-stop") : null;
        if (hook != null) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        long total = config.steps();
        StepMetrics last = null;
        long t0 = System.nanoTime();
        try (MetricsLog metrics = new MetricsLog(out, step);
             Progress progress = Progress.create(options.progressBar(), step, total, config.logEvery(),
                     options.log(), switch (config.modeValue()) {
                         case DETECTOR -> Progress.Parts.DETECTOR;
                         case SR -> Progress.Parts.SR;
                         case SRGAN -> Progress.Parts.SRGAN;
                         default -> Progress.Parts.TDSR;
                     })) {
            if (step > 0) {
                progress.message(startedFrom + " at step " + step);
            }
            // One stream for this run's work; batch k+1 is staged before step k runs, so on a GPU its copy
            // overlaps step k (the loader position is the step, so a prefetched batch never shifts a resume).
            CapturedStep captured = null;
            try (ComputeStream stream = backend.openStream(); ComputeStream.Binding bound = stream.bind()) {
                DeviceBatch next = step < total ? upload(loader.next()) : null;
                try {
                    while (step < total && !stopRequested) {
                        DeviceBatch current = next;
                        next = step + 1 < total ? upload(loader.next()) : null;
                        int stage = schedule.stageIndex(step);
                        double lr = lrSchedule.at(step);
                        StepLoss parts;
                        try (current) {
                            if (config.cudaGraph() && captured == null) {
                                captured = newCapturedStep(current);
                            }
                            parts = captured != null ? capturedStep(captured, current, schedule.stages().get(stage), lr)
                                    : trainStep(current, schedule.stages().get(stage), lr);
                        }
                        step++;
                        double seconds = secondsBefore + (System.nanoTime() - t0) / 1e9;
                        last = new StepMetrics(step, parts.mse(), parts.loc(), parts.conf(), parts.total(), lr,
                                stage + 1, seconds, parts.content(), parts.adv(), parts.disc(), parts.task());
                        metrics.step(last);
                        progress.update(last);
                        if (evaluation != null && (config.evalEvery() > 0 && step % config.evalEvery() == 0
                                || step == total)) {
                            Map<String, Object> e = evaluation.evaluate(step, models());
                            metrics.eval(step, e);
                            progress.message("eval step " + step + ": " + formatEval(e));
                        }
                        if (step % config.checkpointEvery() == 0 || schedule.endsStage(step) || step == total
                                || stopRequested) {
                            secondsBefore = seconds; // evaluation time is not training time
                            if (backend instanceof NativeBackend engine) {
                                metrics.memory(step, engine.memory());
                            }
                            checkpoint();
                            t0 = System.nanoTime();
                            progress.message("checkpoint " + lastCheckpoint);
                        }
                    }
                } finally {
                    if (next != null) {
                        next.close();
                    }
                    if (captured != null) {
                        captured.close();
                    }
                }
            }
            Path finalModel = null;
            if (step >= total) {
                finalModel = out.resolve("final");
                task.save(finalModel);
            } else {
                progress.message("stopped at step " + step + "; checkpoint " + lastCheckpoint
                        + "; continue with --resume");
            }
            return new Result(out, step, last, lastCheckpoint, finalModel, step < total);
        } finally {
            finished.countDown();
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it waits for `finished`, which is now released
                }
            }
        }
    }

    /** A batch whose images are staged on the device (a GPU may still be copying them); boxes stay on the host. */
    private record DeviceBatch(Batch batch, Tensor lr, Tensor hr) implements AutoCloseable {
        @Override
        public void close() {
            lr.close();
            hr.close();
        }
    }

    private DeviceBatch upload(Batch batch) {
        int n = batch.size();
        Tensor lrT = backend.allocate(DType.F32, n, 3, batch.lrHeight(), batch.lrWidth());
        Tensor hrT = backend.allocate(DType.F32, n, 3, batch.hrSize(), batch.hrSize());
        backend.stage(lrT, batch.lr());
        backend.stage(hrT, batch.hr());
        return new DeviceBatch(batch, lrT, hrT);
    }

    /**
     * The captured step of this run (--cuda-graph), built for the first batch's shapes: a CUDA graph on a GPU; on
     * other backends a clear error (TrainCommand says so before any work), except under {@link #eagerCaptureForTests}.
     */
    private CapturedStep newCapturedStep(DeviceBatch first) {
        if (!(task instanceof SrTask sr)) {
            throw new IllegalArgumentException("cudaGraph: mode " + config.modeValue() + " has no captured step");
        }
        CapturedStep.Recorder recorder = CapturedStep.recorderFor(backend);
        if (recorder == CapturedStep.Recorder.EAGER && !eagerCaptureForTests) {
            throw new IllegalArgumentException("cudaGraph (--cuda-graph) needs a CUDA device (--device cuda), not "
                    + backend.name());
        }
        return sr.captured(optimizer, first.batch().size(), first.lr().dim(2), first.lr().dim(3), first.hr().dim(2),
                recorder);
    }

    /**
     * One step through the captured step: the loss parts and the update flag come back in one read after it. The
     * update is decided on the device from the gradient alone; a non-finite loss part stops the run after the step.
     */
    private StepLoss capturedStep(CapturedStep captured, DeviceBatch staged, Schedule.Stage stage, double lr) {
        try (Scope scope = Scope.open()) {
            backend.joinStaged();
            CapturedStep.Outcome o = captured.step(staged.lr(), staged.hr(), TaskTargets.boxes(staged.batch()), stage, lr);
            guard(o.loss(), o.updated(), lr, o.updated()
                    ? "the step's update was taken (the captured step decides from the gradient on the device) and "
                            + "training stopped after it"
                    : "training stopped before the update");
            return o.loss();
        }
    }

    private StepLoss trainStep(DeviceBatch staged, Schedule.Stage stage, double lr) {
        try (Scope scope = Scope.open()) {
            Batch batch = staged.batch();
            backend.joinStaged();
            Tensor lrT = staged.lr();
            Tensor hrT = staged.hr();
            task.trained().zeroGrad();
            StepLoss parts = task.step(lrT, hrT, batch, stage, step, lr); // the task reads its targets from the batch
            guard(parts, true, lr); // the loss parts are host values already: a bad one stops before the update
            optimizer.guardedStep(lr); // the device skips the update on a non-finite gradient
            guard(parts, optimizer.lastStepTaken(), lr);
            task.afterUpdate(lrT, hrT, batch, stage, step, lr); // SR4IR's alternating update of T, when on
            return parts;
        }
    }

    /** The NaN/Inf guard: names the bad part; the update is not taken, so the last checkpoint stays good. */
    private void guard(StepLoss p, boolean gradientFinite, double lr) {
        guard(p, gradientFinite, lr, "training stopped before the update");
    }

    /** The guard with what happened to the step's update in the message ({@code stopped}). */
    private void guard(StepLoss p, boolean gradientFinite, double lr, String stopped) {
        String bad = p.firstNonFinite();
        if (bad == null && !gradientFinite) {
            bad = "gradient";
        }
        if (bad == null) {
            return;
        }
        String hint = switch (bad) {
            case "mse" -> "check the SR weights (--sr-init) and that images are in [0,1]";
            case "content", "adversarial", "discriminator" -> "lower beta (the adversarial weight) in --schedule, "
                    + "or pretrain the generator longer with MSE (the schedule's first stage)";
            case "task" -> "check the masks of the data and the task network's weights (--task-network), or lower "
                    + "beta in --schedule";
            case "loc", "conf" -> "check the boxes and labels of the data and the detector weights (--detector)"
                    + (config.modeValue() == TrainConfig.Mode.TDSR ? ", or lower beta in --schedule" : "");
            default -> "check the data and the start weights (--sr-init, --detector)";
        };
        throw new DivergenceException(String.format(Locale.ROOT,
                "step %d: the %s is not finite (mse %s, loc %s, conf %s); %s. "
                        + "%s Try: a lower --lr (now %.3g), %s.",
                step + 1, bad.equals("gradient") ? bad : bad + " loss", p.mse(), p.loc(), p.conf(), stopped,
                lastCheckpoint == null ? "No checkpoint yet." : "Last good checkpoint: " + lastCheckpoint
                        + " (--resume continues from it; with another --lr, start a new run from its weights).",
                lr, hint));
    }

    private void checkpoint() throws IOException {
        Path root = out.resolve(CHECKPOINTS);
        String name = String.format(Locale.ROOT, "step-%08d", step);
        try {
            lastCheckpoint = AtomicFiles.writeCheckpoint(root, name, dir -> {
                task.save(dir);
                task.saveExtras(dir);
                Safetensors.write(dir.resolve(OPTIMIZER), optimizer.state(), Map.of(
                        "kind", optimizer.settings().kind().name(), "steps", Long.toString(optimizer.steps())));
                ObjectNode state = JSON.createObjectNode();
                state.put("step", step);
                state.put("batchesDelivered", step); // the loader's position: batch b is (seed, epoch, index) only
                state.put("seconds", secondsBefore);
                state.put("version", version());
                state.set("config", config.toJson());
                Files.writeString(dir.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
                if (checkpointFault != null) {
                    checkpointFault.write(dir);
                }
            });
            prune(root);
        } catch (IOException e) {
            throw new IOException("checkpoint at step " + step + " failed (" + e.getMessage() + "); the previous "
                    + "checkpoint " + (lastCheckpoint == null ? "(none)" : lastCheckpoint) + " is intact: free space "
                    + "and continue with --resume", e);
        }
    }

    /**
     * Deletes periodic checkpoints beyond the newest {@code keepCheckpoints}, keeping every stage end and the one
     * {@code latest} names (pruning runs only after the new checkpoint is whole and named by {@code latest}, so the
     * previous one is never deleted before its successor is complete). 0 keeps everything.
     */
    private void prune(Path root) throws IOException {
        int keep = config.keepCheckpoints();
        if (keep == 0) {
            return;
        }
        Path latest = AtomicFiles.latest(root).orElse(null);
        List<Long> periodic = new ArrayList<>();
        try (var ds = Files.newDirectoryStream(root, "step-*")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!Files.isDirectory(p) || !n.matches("step-\\d{8,}")) {
                    continue; // temp folders and anything else are not ours to judge here
                }
                long at = Long.parseLong(n.substring(5));
                if (!p.equals(latest) && !schedule.endsStage(at)) {
                    periodic.add(at);
                }
            }
        }
        periodic.sort(null);
        // the latest counts as one of the kept ones
        int drop = periodic.size() - Math.max(0, keep - 1);
        for (int i = 0; i < drop; i++) {
            AtomicFiles.deleteCheckpoint(root, String.format(Locale.ROOT, "step-%08d", periodic.get(i)));
        }
    }

    private void restore(Path ckpt) throws IOException {
        JsonNode state = JSON.readTree(ckpt.resolve(STATE).toFile());
        task.restore(ckpt);
        Safetensors.Contents opt = Safetensors.load(ckpt.resolve(OPTIMIZER));
        String kind = opt.metadata().get("kind");
        if (!optimizer.settings().kind().name().equals(kind)) {
            throw new WeightFormatException(ckpt.resolve(OPTIMIZER) + ": optimizer state of kind " + kind
                    + ", but the run uses " + optimizer.settings().kind());
        }
        Map<String, HostArray> tensors = opt.tensors();
        optimizer.load(tensors, Long.parseLong(opt.metadata().get("steps")), ckpt.resolve(OPTIMIZER).toString());
        step = state.get("step").asLong();
        secondsBefore = state.path("seconds").asDouble();
        loader.skipTo(state.get("batchesDelivered").asLong()); // batch b is a function of (seed, b) only
        lastCheckpoint = ckpt;
    }

    private void writeRunInfo(Path branchedFrom) throws IOException {
        Files.createDirectories(out);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", version());
        info.put("seed", config.seed());
        info.put("device", backend.name() + " (" + backend.describe() + ")");
        info.put("started", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        info.put("resumedFromStep", step);
        if (branchedFrom != null) {
            info.put("branchedFrom", branchedFrom.toAbsolutePath().toString());
        }
        info.put("config", config.toJson());
        AtomicFiles.writeString(out.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(info) + "\n");
    }

    static String version() {
        String v = Trainer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The shutdown hook: ask for a stop, then hold the JVM until the loop has checkpointed and returned. */
    private void stopAndWait() {
        requestStop();
        try {
            if (!finished.await(10, TimeUnit.MINUTES)) {
                System.err.println("train: no step boundary within 10 minutes; exiting without a checkpoint");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Frees the run: loader, optimizer state and networks. */
    @Override
    public void close() {
        try {
            run.close();
        } finally {
            lock.close();
        }
    }

    /**
     * An evaluation for people: PSNR in dB with 2 decimals, mAP/AP as percentages with 1 (metrics.jsonl keeps the
     * full values), e.g. "psnr_y 30.29 dB, psnr_rgb 28.71 dB, map07 24.5 %, coco_ap 11.0 %".
     */
    static String formatEval(Map<String, Object> e) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Object> kv : e.entrySet()) {
            Object v = kv.getValue();
            String text;
            if (v instanceof Number n && kv.getKey().startsWith("psnr")) {
                text = String.format(java.util.Locale.ROOT, "%.2f dB", n.doubleValue());
            } else if (v instanceof Number n && (kv.getKey().startsWith("map") || kv.getKey().contains("ap")
                    || kv.getKey().equals(PeriodicEvaluation.MIOU) || kv.getKey().equals(PeriodicEvaluation.PIXEL_ACC))) {
                text = String.format(java.util.Locale.ROOT, "%.1f %%", 100 * n.doubleValue());
            } else if (v instanceof Double d) {
                text = Progress.sig(d, 3);
            } else {
                text = String.valueOf(v);
            }
            parts.add(kv.getKey() + " " + text);
        }
        return String.join(", ", parts);
    }
}
