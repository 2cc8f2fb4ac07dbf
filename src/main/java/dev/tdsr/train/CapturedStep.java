package dev.tdsr.train;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ComputeStream;
import dev.tdsr.engine.CudaBackend;
import dev.tdsr.engine.CudaGraph;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.GraphPool;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.GroundTruth;
import dev.tdsr.models.MultiBoxLoss;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.models.TaskLoss;
import dev.tdsr.models.TdsrObjective;
import dev.tdsr.nn.HostDoubles;
import java.util.List;
import java.util.Locale;

/**
 * The D-DBPN training step ({@code --mode sr|tdsr}: alpha * MSE + beta * the frozen detector's MultiBoxLoss, then the
 * guarded optimizer update) as one recorded sequence of device work, for {@code --cuda-graph}: the first step of a
 * stage kind runs eagerly (cuDNN's algorithm search, workspaces, every block the step needs cached in the graph's own
 * memory pool), then the same work is captured; every later step writes its inputs into static device buffers and
 * replays the graph. What changes between steps lives in device memory the graph reads: the batch's images (copied
 * into the static buffers), the matching results (labels, box targets: {@link MultiBoxLoss.DeviceTargets}, matched on
 * the host before the replay), the loss weights alpha and beta / N (a one-element factor each, {@link
 * Backend#scaleBy}), lr and Adam's t (the optimizer's device scalars). Nothing inside the step is read back: the loss
 * sums (N's division is done on the host, which knows N), the two bad-label flags of the cross-entropies and the update
 * flag go into one slot tensor that the host reads once after the step.
 *
 * <p>A stage change that keeps the step's shape (beta stays non-zero, or stays zero) only changes the factors, so it
 * reaches the replay; one that switches beta between zero and non-zero changes the work (the detector runs or not) and
 * records the step again (one more eager step). Static shapes: training batches are drop-last, so every batch has the
 * same size. On the CPU (tests) {@link Recorder#EAGER} runs the same work every step without capturing, so the static
 * buffers, device scalars and slots are checked against the eager {@link Trainer} step there.
 */
public final class CapturedStep implements AutoCloseable {
    // The loss slots (f64, read once per step). The loc and conf sums are divided by N on the host.
    static final int MSE = 0;
    static final int LOC = 1;
    static final int CONF = 2;
    static final int FLAG_MINING = 3; // the cross-entropy ranked by the mining: first bad-label row or -1
    static final int FLAG_BACKWARD = 4; // the cross-entropy backward: first bad-label row or -1
    static final int TAKEN = 5; // 1 when the guarded update was taken, 0 when the gradient was not finite
    static final int SLOTS = 6;

    /** How the step's work is recorded and replayed. */
    interface Recorder extends AutoCloseable {
        /**
         * Runs {@code work} once now (the eager step), then records it for later steps and returns what replays it.
         * A second call replaces the first recording.
         */
        Runnable record(Runnable work);

        @Override
        void close();

        /** No capture: every step runs the work again (the CPU, and the reference the GPU tests compare with). */
        Recorder EAGER = new Recorder() {
            @Override
            public Runnable record(Runnable work) {
                work.run();
                return work;
            }

            @Override
            public void close() {}
        };
    }

    /** A CUDA graph in a private memory pool ({@link GraphPool}) on the calling thread's stream. */
    static final class CudaRecorder implements Recorder {
        private final CudaBackend gpu;
        private GraphPool pool;
        private CudaGraph graph;

        CudaRecorder(CudaBackend gpu) {
            this.gpu = gpu;
        }

        @Override
        public Runnable record(Runnable work) {
            if (graph != null) { // a new stage kind: the old graph is never replayed again; its blocks are reused
                graph.close();
                graph = null;
            }
            if (pool == null) {
                pool = gpu.graphPool();
            }
            try (ComputeStream.Binding use = pool.use()) {
                work.run(); // the eager step: its results are this step's; it leaves every block cached in the pool
                graph = gpu.capture(work); // recorded, not run
            }
            CudaGraph g = graph;
            return g::launch;
        }

        @Override
        public void close() {
            if (graph != null) {
                graph.close();
                graph = null;
            }
            if (pool != null) {
                pool.close();
                pool = null;
            }
        }
    }

    /** What one step reports to the loop: its loss parts and whether the update was taken. */
    record Outcome(StepLoss loss, boolean updated) {
        /** The weighted total (what {@code bench-step} prints to end a step). */
        public double total() {
            return loss.total();
        }
    }

    private final Backend backend;
    private final Dbpn sr;
    private final SsdTaskNetwork task;
    private final Optimizer optimizer;
    private final Recorder recorder;
    private final Tensor lr;
    private final Tensor hr;
    private final MultiBoxLoss.DeviceTargets targets;
    private final Tensor slots;
    private final Tensor factors; // [alpha, beta / N] in the parameters' dtype
    private final Tensor alpha;
    private final Tensor taskFactor;
    private Runnable replay;
    private Boolean recordedWithTask;

    /**
     * Static buffers for batches of {@code batch} images of {@code lrHeight x lrWidth} (HR {@code hrSize} square);
     * {@code task} null: MSE only (SR pretraining).
     */
    CapturedStep(Dbpn sr, SsdTaskNetwork task, Optimizer optimizer, int batch, long lrHeight, long lrWidth,
            long hrSize, Recorder recorder) {
        Tensor slab = sr.parameters().slab();
        this.backend = slab.backend();
        this.sr = sr;
        this.task = task;
        this.optimizer = optimizer;
        this.recorder = recorder;
        this.lr = backend.allocate(DType.F32, batch, 3, lrHeight, lrWidth).keep();
        this.hr = backend.allocate(DType.F32, batch, 3, hrSize, hrSize).keep();
        this.targets = task == null ? null : task.deviceTargets(batch);
        this.slots = backend.allocate(DType.F64, SLOTS).keep();
        this.factors = backend.allocate(slab.dtype(), 2).keep();
        this.alpha = backend.view(factors, 0, 1).keep();
        this.taskFactor = backend.view(factors, 1, 1).keep();
    }

    /**
     * A captured TDSR step on a GPU for {@code bench-step --cuda-graph}: S, the frozen detector ({@code null}: MSE
     * only) and the optimizer updating S, for batches of that size; throws on a backend without CUDA graphs.
     */
    public static CapturedStep onGpu(Dbpn sr, SsdTaskNetwork task, Optimizer optimizer, int batch, long lrHeight,
            long lrWidth, long hrSize) {
        if (!(sr.parameters().slab().backend() instanceof CudaBackend gpu)) {
            throw new IllegalArgumentException("--cuda-graph needs a CUDA device (--device cuda), not "
                    + sr.parameters().slab().backend().name());
        }
        if (task != null) {
            task.setTrainable(false);
        }
        return new CapturedStep(sr, task, optimizer, batch, lrHeight, lrWidth, hrSize, new CudaRecorder(gpu));
    }

    /**
     * One step at rate {@code rate} with weights {@code alpha} and {@code beta} (the first one runs eagerly and
     * captures, later ones replay); returns the weighted total, read after the step.
     */
    public double run(Tensor lrImages, Tensor hrImages, List<GroundTruth> boxes, double alpha, double beta,
            double rate) {
        return step(lrImages, hrImages, boxes, new Schedule.Stage(1, alpha, beta), rate).total();
    }

    /** The recorder of {@code backend}: a CUDA graph on a GPU, eager elsewhere. */
    static Recorder recorderFor(Backend backend) {
        return backend instanceof CudaBackend gpu ? new CudaRecorder(gpu) : Recorder.EAGER;
    }

    /**
     * One training step on {@code lrImages}/{@code hrImages} (the staged batch, copied into the static buffers) at
     * rate {@code rate}; the optimizer's step count is kept as {@link Optimizer#guardedStep} keeps it.
     */
    Outcome step(Tensor lrImages, Tensor hrImages, List<GroundTruth> boxes, Schedule.Stage stage, double rate) {
        boolean withTask = stage.beta() != 0;
        if (withTask && task == null) {
            throw new IllegalStateException("stage " + stage + " has beta > 0 but no detector was given");
        }
        if (!java.util.Arrays.equals(lrImages.shape(), lr.shape()) || !java.util.Arrays.equals(hrImages.shape(),
                hr.shape())) {
            throw new IllegalArgumentException("captured step: batch " + java.util.Arrays.toString(lrImages.shape())
                    + " / " + java.util.Arrays.toString(hrImages.shape()) + " differs from the recorded "
                    + java.util.Arrays.toString(lr.shape()) + " / " + java.util.Arrays.toString(hr.shape())
                    + " (a CUDA graph has static shapes)");
        }
        backend.copy(lr, lrImages);
        backend.copy(hr, hrImages);
        double n = 1;
        if (withTask) {
            targets.load(boxes);
            n = targets.normaliser();
        }
        HostDoubles.write(factors, new double[] {stage.alpha(), withTask ? stage.beta() / n : 0});
        optimizer.prepareDeviceStep(rate);
        if (replay == null || recordedWithTask != withTask) {
            replay = recorder.record(withTask ? this::workWithTask : this::workMseOnly);
            recordedWithTask = withTask;
        } else {
            replay.run();
        }
        double[] v = slots.toDoubleArray(); // the step's one host read
        boolean updated = v[TAKEN] != 0;
        if (!updated) {
            optimizer.stepSkipped();
        }
        TaskLoss taskLoss = TaskLoss.NONE;
        if (withTask) {
            checkLabels(v[FLAG_MINING], "softmax_xent_forward");
            checkLabels(v[FLAG_BACKWARD], "softmax_xent_backward");
            taskLoss = SsdTaskNetwork.taskLoss(v[LOC] / n, v[CONF] / n);
        }
        double mse = v[MSE];
        TdsrObjective.Parts parts = new TdsrObjective.Parts(mse, taskLoss, 0,
                stage.alpha() * mse + stage.beta() * taskLoss.total());
        return new Outcome(StepLoss.of(parts), updated);
    }

    private void checkLabels(double flag, String op) {
        if (flag >= 0) {
            int row = (int) flag;
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: label %d of row %d is outside [0,%d)",
                    op, targets.label(row), row, task.ssd().config().numClasses()));
        }
    }

    private void workMseOnly() {
        work(false);
    }

    private void workWithTask() {
        work(true);
    }

    /** The device work of one step: nothing from the host enters it, nothing is read back. */
    private void work(boolean withTask) {
        try (Scope scope = Scope.open()) {
            sr.parameters().zeroGrad();
            Tensor full = sr.forward(lr);
            Tensor out = TdsrObjective.cropTo(full, hr.dim(2), hr.dim(3));
            Tensor dOut = backend.allocate(out.dtype(), out.shape());
            backend.mseForwardTo(out, hr, slots, MSE, 1);
            backend.mseBackward(out, hr, 1, dOut);
            backend.scaleBy(dOut, alpha, dOut);
            if (withTask) {
                backend.axpy(1, task.lossGradient(out, targets, taskFactor, slots, LOC), dOut);
            }
            if (out != full) {
                Tensor dFull = backend.allocate(full.dtype(), full.shape());
                backend.crop2dBackward(dOut, dFull, 0, 0);
                dOut = dFull;
            }
            sr.backward(dOut);
            optimizer.deviceStep();
            Tensor flag = optimizer.proceedFlag();
            backend.weightedSumTo(flag, flag, slots, TAKEN, 1); // the flag (0 or 1) into the slots: f * f = f
        }
    }

    @Override
    public void close() {
        recorder.close();
        lr.close();
        hr.close();
        if (targets != null) {
            targets.close();
        }
        slots.close();
        alpha.close();
        taskFactor.close();
        factors.close();
    }
}
