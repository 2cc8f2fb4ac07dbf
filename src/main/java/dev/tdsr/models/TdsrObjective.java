package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TDSR loss {@code alpha * MSE(hr, S(lr)) + beta * L_task(T(S(lr)), targets)} with the task network T frozen (its
 * gradient slab is never touched): the gradient reaches S's parameters both directly and through T's input. T is any
 * {@link TaskNetwork}; TDSR's is SSD + MultiBoxLoss ({@link SsdTaskNetwork}). SR4IR's objectives for S can be added
 * ({@link Sr4ir}): the task-driven perceptual loss and the cross-quality patch mix. Call inside one
 * {@link dev.tdsr.engine.Scope} per step; S's gradients ACCUMULATE (zero them once per step).
 *
 * @param <T> the task's targets for one batch (detection: {@code List<GroundTruth>})
 */
public final class TdsrObjective<T> {
    private final Dbpn sr;
    private final TaskNetwork<T> task;
    private final double alpha;
    private final double beta;
    private final Sr4ir sr4ir;

    /**
     * SR4IR's objectives for S beside TDSR's. {@code perceptual}: the weight of the task-driven perceptual loss, the
     * mean Huber (smooth-L1, delta 1: L1 at the features' scale, as SR4IR's L1) distance between T's feature maps of
     * S(lr) and of hr at {@code taps}, averaged over the taps (SR4IR weighs its two levels 0.5/0.5); 0 = off.
     * {@code patchMixGrid}: when > 0, T's task loss is taken on {@link PatchMix}es of S(lr) and hr on that grid
     * instead of on S(lr), drawn from ({@code seed}, step); 0 = off.
     */
    public record Sr4ir(double perceptual, List<String> taps, int patchMixGrid, long seed) {
        public static final Sr4ir NONE = new Sr4ir(0, List.of(), 0, 0);

        public Sr4ir {
            taps = List.copyOf(taps);
            if (perceptual < 0 || !Double.isFinite(perceptual)) {
                throw new IllegalArgumentException("perceptual weight " + perceptual + ": expected a finite number >= 0");
            }
            if (perceptual > 0 && taps.isEmpty()) {
                throw new IllegalArgumentException("perceptual weight " + perceptual + " needs at least one feature tap");
            }
            if (patchMixGrid < 0) {
                throw new IllegalArgumentException("patch mix grid " + patchMixGrid + ": expected 0 (off) or >= 1");
            }
        }

        public boolean active() {
            return perceptual > 0 || patchMixGrid > 0;
        }
    }

    /**
     * The loss parts as printed by trainers: {@code task} holds T's parts unweighted (detection: loc and conf, already
     * divided by N), {@code perceptual} the unweighted task-driven perceptual loss (0 when off), {@code total} the
     * weighted sum alpha*mse + beta*task + perceptual weight * perceptual.
     */
    public record Parts(double mse, TaskLoss task, double perceptual, double total) {
        /** Detection's loc part (0 for other tasks). */
        public double loc() {
            return task.part("loc");
        }

        /** Detection's conf part (0 for other tasks). */
        public double conf() {
            return task.part("conf");
        }
    }

    /** {@code task} may be null when {@code beta} is 0 and SR4IR is off (MSE only: SR pretraining, SR-FT). */
    public TdsrObjective(Dbpn sr, TaskNetwork<T> task, double alpha, double beta, Sr4ir sr4ir) {
        if (task == null && (beta != 0 || sr4ir.active())) {
            throw new IllegalArgumentException("TdsrObjective: beta = " + beta
                    + (sr4ir.active() ? " and SR4IR's objectives" : "") + " need the frozen task network");
        }
        this.sr = sr;
        this.task = task;
        this.alpha = alpha;
        this.beta = beta;
        this.sr4ir = sr4ir;
        if (task != null) {
            task.setTrainable(false);
            for (String t : sr4ir.perceptual() > 0 ? sr4ir.taps() : List.<String>of()) { // unused taps: any names
                if (!task.featureTaps().contains(t)) {
                    throw new IllegalArgumentException("perceptual tap '" + t + "': the " + task.kind()
                            + " network has " + task.featureTaps());
                }
            }
        }
    }

    public TdsrObjective(Dbpn sr, TaskNetwork<T> task, double alpha, double beta) {
        this(sr, task, alpha, beta, Sr4ir.NONE);
    }

    /** TDSR's own objective: SSD + MultiBoxLoss as T ({@code detector} may be null when beta is 0). */
    @SuppressWarnings("unchecked")
    public TdsrObjective(Dbpn sr, Ssd detector, double alpha, double beta) {
        this(sr, detector == null ? null : (TaskNetwork<T>) new SsdTaskNetwork(detector), alpha, beta);
    }

    /**
     * S's output cut to the HR image's size: at 8x a 300x300 HR has a 38x38 LR (37.5 rounded up) and S returns
     * 304x304, of which the top-left 300x300 is the SR image. Identity when the sizes already agree.
     */
    static Tensor cropToHr(Tensor out, Tensor hr) {
        return cropTo(out, hr.dim(2), hr.dim(3));
    }

    /** The top-left {@code height x width} of an S output [N,C,H,W] (the tensor itself when it already has that size). */
    public static Tensor cropTo(Tensor out, long height, long width) {
        if (out.dim(2) == height && out.dim(3) == width) {
            return out;
        }
        Tensor y = out.backend().allocate(out.dtype(), out.dim(0), out.dim(1), height, width);
        out.backend().crop2dForward(out, y, 0, 0);
        return y;
    }

    /** {@link #step(Tensor, Tensor, Object, long)} at step 0. */
    public Parts step(Tensor lr, Tensor hr, T targets) {
        return step(lr, hr, targets, 0);
    }

    /** Forward, backward into S's gradient slab; returns the loss parts. {@code step} draws the patch mix. */
    public Parts step(Tensor lr, Tensor hr, T targets, long step) {
        Tensor full = sr.forward(lr);
        Tensor out = cropToHr(full, hr);
        Backend b = out.backend();
        Tensor dOut = b.allocate(out.dtype(), out.shape());
        double mse = b.mseForward(out, hr);
        b.mseBackward(out, hr, alpha, dOut);
        TaskLoss taskLoss = TaskLoss.NONE;
        if (beta != 0) {
            PatchMix mix = patchMix(out, step);
            TaskNetwork.Gradient g = task.lossGradient(mix == null ? out : mix.mix(out, hr), targets, beta);
            taskLoss = g.loss();
            b.axpy(1, mix == null ? g.dImages() : mix.backwardToSr(g.dImages()), dOut);
        }
        double perceptual = sr4ir.perceptual() > 0 ? perceptual(out, hr, dOut) : 0;
        if (out != full) {
            Tensor dFull = b.allocate(full.dtype(), full.shape());
            b.crop2dBackward(dOut, dFull, 0, 0);
            dOut = dFull;
        }
        sr.backward(dOut);
        return parts(mse, taskLoss, perceptual);
    }

    private PatchMix patchMix(Tensor out, long step) {
        return sr4ir.patchMixGrid() > 0 ? PatchMix.draw(sr4ir.seed(), step, (int) out.dim(0), sr4ir.patchMixGrid())
                : null;
    }

    /**
     * The unweighted perceptual loss of {@code out} against {@code hr}; with {@code dOut} non-null adds the gradient
     * of its weighted value into it.
     */
    private double perceptual(Tensor out, Tensor hr, Tensor dOut) {
        Backend b = out.backend();
        Map<String, Tensor> target = task.features(hr, sr4ir.taps()); // a constant: HR is data
        Map<String, Tensor> feats = task.features(out, sr4ir.taps()); // the last call: its backward follows
        double w = 1.0 / sr4ir.taps().size();
        double loss = 0;
        Map<String, Tensor> d = new LinkedHashMap<>();
        for (String tap : sr4ir.taps()) {
            Tensor f = feats.get(tap);
            Tensor ones = b.allocate(f.dtype(), f.shape()).fill(1);
            double n = f.numel();
            loss += w * b.smoothL1Forward(f, target.get(tap), ones) / n;
            if (dOut != null) {
                Tensor df = b.allocate(f.dtype(), f.shape());
                b.smoothL1Backward(f, target.get(tap), ones, sr4ir.perceptual() * w / n, df);
                d.put(tap, df);
            }
        }
        if (dOut != null) {
            b.axpy(1, task.featuresBackward(d), dOut);
        }
        return loss;
    }

    /**
     * The loss without gradients; with {@code fixed} non-null (detection only) the matching and mined negatives of
     * that assignment are used (finite-difference checks freeze them at the unperturbed point).
     */
    public Parts evaluate(Tensor lr, Tensor hr, T targets, MultiBoxLoss.Assignment fixed) {
        return evaluate(lr, hr, targets, fixed, 0);
    }

    /** As {@link #evaluate(Tensor, Tensor, Object, MultiBoxLoss.Assignment)} with step {@code step}'s patch mix. */
    public Parts evaluate(Tensor lr, Tensor hr, T targets, MultiBoxLoss.Assignment fixed, long step) {
        Tensor out = cropToHr(sr.forward(lr), hr);
        double mse = out.backend().mseForward(out, hr);
        TaskLoss taskLoss = TaskLoss.NONE;
        if (beta != 0) {
            PatchMix mix = patchMix(out, step);
            Tensor seen = mix == null ? out : mix.mix(out, hr);
            if (fixed != null) {
                SsdTaskNetwork det = detection();
                det.fixAssignment(fixed);
                try {
                    taskLoss = det.loss(seen, castTargets(targets));
                } finally {
                    det.fixAssignment(null);
                }
            } else {
                taskLoss = task.loss(seen, targets);
            }
        }
        double perceptual = sr4ir.perceptual() > 0 ? perceptual(out, hr, null) : 0;
        return parts(mse, taskLoss, perceptual);
    }

    @SuppressWarnings("unchecked")
    private static List<GroundTruth> castTargets(Object targets) {
        return (List<GroundTruth>) targets;
    }

    private SsdTaskNetwork detection() {
        if (task instanceof SsdTaskNetwork d) {
            return d;
        }
        throw new IllegalStateException("a fixed MultiBoxLoss assignment needs the detection task network, not "
                + (task == null ? "none" : task.kind()));
    }

    private Parts parts(double mse, TaskLoss taskLoss, double perceptual) {
        return new Parts(mse, taskLoss, perceptual,
                alpha * mse + beta * taskLoss.total() + sr4ir.perceptual() * perceptual);
    }

    /** The matching/mining of the last {@link #step} (detection only). */
    public MultiBoxLoss.Assignment lastAssignment() {
        return detection().lastAssignment();
    }

    /** The task network T (null for MSE only). */
    public TaskNetwork<T> task() {
        return task;
    }
}
