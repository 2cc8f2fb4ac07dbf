package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import java.util.List;

/**
 * The TDSR loss {@code alpha * MSE(hr, S(lr)) + beta * MultiBoxLoss(D(S(lr)), boxes)} with the detector D frozen
 * (its gradient slab is never touched): the gradient reaches S's parameters both directly and through D's input.
 * Call inside one {@link dev.tdsr.engine.Scope} per step; S's gradients ACCUMULATE (zero them once per step).
 */
public final class TdsrObjective {
    private final Dbpn sr;
    private final Ssd detector;
    private final MultiBoxLoss loss;
    private final double alpha;
    private final double beta;
    private MultiBoxLoss.Assignment lastAssignment;

    /** The loss parts as printed by trainers; loc and conf are already divided by N, total includes alpha/beta. */
    public record Parts(double mse, double loc, double conf, double total) {}

    /** {@code detector} may be null when {@code beta} is 0 (MSE only: SR pretraining, SR-FT). */
    public TdsrObjective(Dbpn sr, Ssd detector, double alpha, double beta) {
        if (detector == null && beta != 0) {
            throw new IllegalArgumentException("TdsrObjective: beta = " + beta + " needs the frozen detector");
        }
        this.sr = sr;
        this.detector = detector;
        this.loss = detector == null ? null : new MultiBoxLoss(detector.priors(), detector.config().numClasses());
        this.alpha = alpha;
        this.beta = beta;
        if (detector != null) {
            detector.parameters().setRequiresGrad(false);
        }
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

    /**
     * Forward, backward into S's gradient slab; returns the loss parts. They collect in loss slots on the device (mse,
     * loc, conf), read once after the backward has been queued.
     */
    public Parts step(Tensor lr, Tensor hr, List<GroundTruth> boxes) {
        Tensor full = sr.forward(lr);
        Tensor out = cropToHr(full, hr);
        Backend b = out.backend();
        Tensor dOut = b.allocate(out.dtype(), out.shape());
        Tensor slots = b.allocate(DType.F64, 3);
        b.mseForwardTo(out, hr, slots, 0, 1);
        b.mseBackward(out, hr, alpha, dOut);
        if (beta != 0) {
            Ssd.Output det = detector.forward(out);
            lastAssignment = loss.assign(det.conf(), boxes);
            loss.valueInto(lastAssignment, det.loc(), det.conf(), slots, 1);
            MultiBoxLoss.Gradients g = loss.backward(lastAssignment, det.loc(), det.conf(), beta);
            b.axpy(1, detector.backward(g.dloc(), g.dconf()), dOut);
        }
        if (out != full) {
            Tensor dFull = b.allocate(full.dtype(), full.shape());
            b.crop2dBackward(dOut, dFull, 0, 0);
            dOut = dFull;
        }
        sr.backward(dOut);
        return parts(slots);
    }

    /**
     * The loss without gradients; with {@code fixed} non-null the matching and mined negatives of that assignment are
     * used (finite-difference checks freeze them at the unperturbed point).
     */
    public Parts evaluate(Tensor lr, Tensor hr, List<GroundTruth> boxes, MultiBoxLoss.Assignment fixed) {
        Tensor out = cropToHr(sr.forward(lr), hr);
        Tensor slots = out.backend().allocate(DType.F64, 3);
        out.backend().mseForwardTo(out, hr, slots, 0, 1);
        if (beta != 0) {
            Ssd.Output det = detector.forward(out);
            MultiBoxLoss.Assignment a = fixed != null ? fixed : loss.assign(det.conf(), boxes);
            loss.valueInto(a, det.loc(), det.conf(), slots, 1);
        }
        return parts(slots);
    }

    /** The parts from the loss slots (mse, loc, conf; zeros where beta is 0): the one host read of a step. */
    private Parts parts(Tensor slots) {
        double[] v = slots.toDoubleArray();
        MultiBoxLoss.Value task = new MultiBoxLoss.Value(v[1], v[2]);
        return new Parts(v[0], task.loc(), task.conf(), alpha * v[0] + beta * task.total());
    }

    /** The matching/mining of the last {@link #step}. */
    public MultiBoxLoss.Assignment lastAssignment() {
        return lastAssignment;
    }
}
