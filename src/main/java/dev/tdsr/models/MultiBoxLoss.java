package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;
import java.util.Arrays;
import java.util.List;

/**
 * ssd.pytorch's MultiBoxLoss(C, 0.5, True, 0, True, 3, 0.5, False): per image, match ground truth to priors (IoU >=
 * 0.5, and every ground truth keeps its best prior), encode with variances (0.1, 0.2), mine hard negatives 3:1 by
 * their cross-entropy (a native op, {@link Backend#mineHardNegatives}: on a GPU the losses stay there); then loc = smooth-L1 over positives and conf = softmax CE over positives and mined negatives,
 * both divided by N = max(1, positives in the batch).
 *
 * <p>{@link #assign} does the bookkeeping (matching and mining, a constant of the backward); {@link #value} and
 * {@link #backward} evaluate and differentiate the loss for a given assignment, so gradient checks can perturb loc
 * and conf with the selection frozen.
 */
public final class MultiBoxLoss {
    static final double THRESHOLD = 0.5;
    static final int NEG_POS = 3;

    private final PriorBoxes priors;
    private final double[] priorCs;
    private final double[] priorCorners;
    private final int numClasses;

    /**
     * Matching and mining results, as tensors the native losses read. They belong to the scope open at {@link
     * #assign}; {@link #keep()} hands them to the enclosing one (to reuse an assignment across steps, as gradient
     * checks do), {@link #close()} frees them.
     */
    public static final class Assignment implements AutoCloseable {
        final int numPositives;
        final Tensor labels;     // i32 [N*P], 0 = background
        final Tensor locTarget;  // [N,P,4]
        final Tensor locWeight;  // [N,P,4], 1 on positives
        final Tensor rowWeight;  // [N*P], 1 on positives and mined negatives (tdsr_mine_hard_negatives)
        private double[] selected; // rowWeight on the Java side, read once when first needed

        Assignment(int numPositives, Tensor labels, Tensor locTarget, Tensor locWeight, Tensor rowWeight) {
            this.numPositives = numPositives;
            this.labels = labels;
            this.locTarget = locTarget;
            this.locWeight = locWeight;
            this.rowWeight = rowWeight;
        }

        double[] selected() {
            if (selected == null) {
                selected = HostDoubles.read(rowWeight);
            }
            return selected;
        }

        int rows() {
            return (int) rowWeight.numel();
        }

        public int numPositives() {
            return numPositives;
        }

        /** Positives + mined negatives. */
        public int numSelected() {
            int n = 0;
            for (double s : selected()) {
                n += s != 0 ? 1 : 0;
            }
            return n;
        }

        public Assignment keep() {
            labels.keep();
            locTarget.keep();
            locWeight.keep();
            rowWeight.keep();
            return this;
        }

        @Override
        public void close() {
            labels.close();
            locTarget.close();
            locWeight.close();
            rowWeight.close();
        }

        /** max(1, positives): the normaliser of both parts. */
        public double normaliser() {
            return Math.max(1, numPositives);
        }
    }

    /** The two parts, each already divided by N. */
    public record Value(double loc, double conf) {
        public double total() {
            return loc + conf;
        }
    }

    public record Gradients(Tensor dloc, Tensor dconf) {}

    public MultiBoxLoss(PriorBoxes priors, int numClasses) {
        this.priors = priors;
        this.priorCs = priors.centerSize();
        this.priorCorners = BoxMath.corners(priorCs);
        this.numClasses = numClasses;
    }

    /** The host half of {@link #assign}: every image's ground truth matched to the priors. */
    record Match(int positives, int[] labels, double[] locTarget, double[] locWeight) {}

    /** Matches {@code targets} (one per image) to the priors and mines hard negatives from {@code conf} [N,P,C]. */
    public Assignment assign(Tensor conf, List<GroundTruth> targets) {
        int n = (int) conf.dim(0);
        int p = priors.count();
        requireShape(conf, targets.size());
        Match m = match(targets);
        Backend b = conf.backend();
        DType dt = conf.dtype();
        Tensor labelT = b.allocate(DType.I32, (long) n * p).write(m.labels());
        Tensor rowLoss = b.allocate(dt, (long) n * p);
        b.softmaxCrossEntropyForward(conf.reshape((long) n * p, numClasses), labelT, rowLoss);
        Tensor selected = b.allocate(dt, (long) n * p);
        b.mineHardNegatives(rowLoss, labelT, n, NEG_POS, selected);
        return new Assignment(m.positives(), labelT, HostDoubles.of(b, dt, m.locTarget(), n, p, 4),
                HostDoubles.of(b, dt, m.locWeight(), n, p, 4), selected);
    }

    private void requireShape(Tensor conf, int targets) {
        int p = priors.count();
        if (targets != conf.dim(0) || conf.dim(1) != p || conf.dim(2) != numClasses) {
            throw new IllegalArgumentException("MultiBoxLoss: conf " + conf + " and " + targets
                    + " targets do not match " + p + " priors, " + numClasses + " classes, one target per image");
        }
    }

    /** ssd.pytorch's match() for every image (on the host: a few thousand IoUs per box). */
    Match match(List<GroundTruth> targets) {
        int n = targets.size();
        int p = priors.count();
        int[] labels = new int[n * p];
        double[] locTarget = new double[n * p * 4];
        double[] locWeight = new double[n * p * 4];
        int positives = 0;
        for (int i = 0; i < n; i++) {
            positives += match(targets.get(i), i * p, labels, locTarget, locWeight);
        }
        return new Match(positives, labels, locTarget, locWeight);
    }

    /**
     * The matching results of one batch in device buffers whose addresses never change, for a captured training step
     * (a CUDA graph reads them at every replay): {@link #load} matches a batch on the host and writes them before the
     * replay; the mining and the loss run on the device inside the step ({@link #lossGradient(DeviceTargets, Tensor,
     * Tensor, Tensor, Tensor, int)}). Kept tensors: {@link #close} frees them.
     */
    public final class DeviceTargets implements AutoCloseable {
        private final int images;
        final Tensor labels;     // i32 [N*P]
        final Tensor locTarget;  // [N,P,4]
        final Tensor locWeight;  // [N,P,4]
        private Match loaded;

        DeviceTargets(Backend b, DType dtype, int images) {
            int p = priors.count();
            this.images = images;
            this.labels = b.allocate(DType.I32, (long) images * p).keep();
            this.locTarget = b.allocate(dtype, images, p, 4).keep();
            this.locWeight = b.allocate(dtype, images, p, 4).keep();
        }

        /** Matches {@code targets} (one per image, as many as the buffers hold) and writes the results. */
        public void load(List<GroundTruth> targets) {
            if (targets.size() != images) {
                throw new IllegalArgumentException("MultiBoxLoss: " + targets.size() + " targets for a captured step of "
                        + images + " images (static shapes: every batch has the same size)");
            }
            Match m = match(targets);
            labels.write(m.labels());
            HostDoubles.write(locTarget, m.locTarget());
            HostDoubles.write(locWeight, m.locWeight());
            loaded = m;
        }

        /** max(1, positives) of the loaded batch: the normaliser the host divides the loss sums by. */
        public double normaliser() {
            return Math.max(1, loaded.positives());
        }

        /** The label of row {@code row} of the loaded batch (for the message of a bad-label flag). */
        public int label(int row) {
            return loaded.labels()[row];
        }

        @Override
        public void close() {
            labels.close();
            locTarget.close();
            locWeight.close();
        }
    }

    /** Device buffers for {@code images} images' matching results (see {@link DeviceTargets}). */
    public DeviceTargets deviceTargets(Backend b, DType dtype, int images) {
        return new DeviceTargets(b, dtype, images);
    }

    /**
     * Mining, loss and gradient of a captured step, with no host value inside: {@code slots[at]} and {@code
     * [at+1]} receive the loc and conf sums (NOT divided by N: the host knows N from {@link DeviceTargets#load} and
     * divides after reading), {@code [at+2]} and {@code [at+3]} the bad-label flags of the two cross-entropies (-1:
     * none); the gradients are of {@code factor[0] * total}, where the caller writes weight / N into {@code factor}
     * (a one-element tensor of the logits' dtype) before the step. The conf loss reuses the cross-entropies the
     * mining ranked (the same values {@link #valueInto} recomputes).
     */
    public Gradients lossGradient(DeviceTargets t, Tensor loc, Tensor conf, Tensor factor, Tensor slots, int at) {
        requireShape(conf, t.images);
        Backend b = loc.backend();
        int rows = (int) t.labels.numel();
        Tensor logits = conf.reshape(rows, numClasses);
        Tensor rowLoss = b.allocate(conf.dtype(), rows);
        b.softmaxCrossEntropyForward(logits, t.labels, rowLoss, slots, at + 2);
        Tensor selected = b.allocate(conf.dtype(), rows);
        b.mineHardNegatives(rowLoss, t.labels, t.images, NEG_POS, selected);
        b.smoothL1ForwardTo(loc, t.locTarget, t.locWeight, slots, at, 1);
        b.weightedSumTo(rowLoss, selected, slots, at + 1, 1);
        Tensor dloc = b.allocate(loc.dtype(), loc.shape());
        b.smoothL1Backward(loc, t.locTarget, t.locWeight, 1, dloc);
        b.scaleBy(dloc, factor, dloc);
        Tensor w = b.allocate(conf.dtype(), rows);
        b.scaleBy(selected, factor, w);
        Tensor dconf = b.allocate(conf.dtype(), conf.shape());
        b.softmaxCrossEntropyBackward(logits, t.labels, w, dconf.reshape(rows, numClasses), slots, at + 3);
        return new Gradients(dloc, dconf);
    }

    /** ssd.pytorch's match() for one image at prior offset {@code base}; returns its number of positives. */
    private int match(GroundTruth gt, int base, int[] labels, double[] locTarget, double[] locWeight) {
        int p = priors.count();
        int g = gt.size();
        if (g == 0) {
            return 0;
        }
        double[] boxes = gt.boxes();
        double[] bestOverlap = new double[p];
        int[] bestTruth = new int[p];
        int[] bestPrior = new int[g];
        double[] bestPriorOverlap = new double[g];
        Arrays.fill(bestOverlap, -1);
        Arrays.fill(bestPriorOverlap, -1);
        for (int j = 0; j < g; j++) {
            for (int q = 0; q < p; q++) {
                double o = BoxMath.iou(boxes, 4 * j, priorCorners, 4 * q);
                if (o > bestOverlap[q]) {
                    bestOverlap[q] = o;
                    bestTruth[q] = j;
                }
                if (o > bestPriorOverlap[j]) {
                    bestPriorOverlap[j] = o;
                    bestPrior[j] = q;
                }
            }
        }
        for (int j = 0; j < g; j++) { // every truth keeps its best prior; a later truth wins a shared one
            bestOverlap[bestPrior[j]] = 2;
            bestTruth[bestPrior[j]] = j;
        }
        int positives = 0;
        for (int q = 0; q < p; q++) {
            if (bestOverlap[q] < THRESHOLD) {
                continue;
            }
            int r = base + q;
            labels[r] = gt.labels()[bestTruth[q]] + 1;
            if (labels[r] >= numClasses) {
                throw new IllegalArgumentException("GroundTruth.labels: class " + (labels[r] - 1)
                        + " is outside the detector's " + (numClasses - 1) + " object classes");
            }
            BoxMath.encode(boxes, 4 * bestTruth[q], priorCs, 4 * q, locTarget, 4 * r);
            Arrays.fill(locWeight, 4 * r, 4 * r + 4, 1);
            positives++;
        }
        return positives;
    }

    /** The loss of {@code loc} [N,P,4] and {@code conf} [N,P,C] under a fixed assignment (one host read). */
    public Value value(Assignment a, Tensor loc, Tensor conf) {
        Tensor slots = loc.backend().allocate(DType.F64, 2);
        valueInto(a, loc, conf, slots, 0);
        double[] v = slots.toDoubleArray();
        return new Value(v[0], v[1]);
    }

    /**
     * {@link #value}'s loc and conf into {@code slots} (F64, on the device) at {@code at} and {@code at + 1}, with no
     * host read: a training step reads all its loss parts once.
     */
    public void valueInto(Assignment a, Tensor loc, Tensor conf, Tensor slots, int at) {
        Backend b = loc.backend();
        double norm = a.normaliser();
        b.smoothL1ForwardTo(loc, a.locTarget, a.locWeight, slots, at, norm);
        Tensor rowLoss = b.allocate(conf.dtype(), a.rows());
        b.softmaxCrossEntropyForward(conf.reshape(a.rows(), numClasses), a.labels, rowLoss);
        b.weightedSumTo(rowLoss, a.rowWeight, slots, at + 1, norm);
    }

    /** d(scale * total)/dloc and /dconf under a fixed assignment (new tensors). */
    public Gradients backward(Assignment a, Tensor loc, Tensor conf, double scale) {
        Backend b = loc.backend();
        double k = scale / a.normaliser();
        Tensor dloc = b.allocate(loc.dtype(), loc.shape());
        b.smoothL1Backward(loc, a.locTarget, a.locWeight, k, dloc);
        Tensor w = b.allocate(conf.dtype(), a.rows());
        b.scale(a.rowWeight, k, w);
        Tensor dconf = b.allocate(conf.dtype(), conf.shape());
        b.softmaxCrossEntropyBackward(conf.reshape(a.rows(), numClasses), a.labels, w,
                dconf.reshape(a.rows(), numClasses));
        return new Gradients(dloc, dconf);
    }
}
