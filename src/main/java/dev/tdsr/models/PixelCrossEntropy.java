package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.HostDoubles;

/**
 * Per-pixel softmax cross-entropy of segmentation logits [N,C,H,W] against class labels, mean over the pixels whose
 * label is not {@link #IGNORE} (255, VOC's void). No op of its own: the logits are laid out as rows [N*H*W, C] with
 * the SSD heads' {@code nchwToRows}, and the row softmax cross-entropy op does the math (its row weight is
 * 1/count on labelled pixels and 0 on ignored ones, so ignored pixels get no gradient).
 */
public final class PixelCrossEntropy {
    public static final int IGNORE = 255;

    private PixelCrossEntropy() {}

    /** The labels of a batch on the device: ignored pixels as class 0 with weight 0. Row order n, y, x. */
    public record Targets(int n, int classes, int height, int width, Tensor labels, Tensor rowWeight, double[] weight,
                          long counted) {}

    /** {@code labels[n*H*W + y*W + x]} in 0..classes-1 or 255. */
    public static Targets targets(Backend b, DType dt, int[] labels, int n, int classes, int height, int width) {
        long rows = (long) n * height * width;
        if (labels.length != rows) {
            throw new IllegalArgumentException("PixelCrossEntropy: " + labels.length + " labels for " + n + " images of "
                    + width + "x" + height);
        }
        int[] lab = new int[labels.length];
        double[] w = new double[labels.length];
        long counted = 0;
        for (int i = 0; i < labels.length; i++) {
            int v = labels[i];
            if (v == IGNORE) {
                continue;
            }
            if (v < 0 || v >= classes) {
                throw new IllegalArgumentException("PixelCrossEntropy: label " + v + " at row " + i + "; expected 0.."
                        + (classes - 1) + " or " + IGNORE);
            }
            lab[i] = v;
            counted++;
        }
        for (int i = 0; i < labels.length; i++) {
            w[i] = labels[i] == IGNORE ? 0 : 1.0 / counted;
        }
        Tensor labelT = b.allocate(DType.I32, rows).write(lab);
        return new Targets(n, classes, height, width, labelT, HostDoubles.of(b, dt, w, rows), w, counted);
    }

    private static Tensor rows(Tensor logits, Targets t) {
        if (logits.ndim() != 4 || logits.dim(0) != t.n || logits.dim(1) != t.classes || logits.dim(2) != t.height
                || logits.dim(3) != t.width) {
            throw new IllegalArgumentException("PixelCrossEntropy: logits " + logits + " do not match targets [" + t.n
                    + "," + t.classes + "," + t.height + "," + t.width + "]");
        }
        Tensor rows = logits.backend().allocate(logits.dtype(), t.n, (long) t.height * t.width * t.classes);
        logits.backend().nchwToRows(logits, rows, 0);
        return rows.reshape((long) t.n * t.height * t.width, t.classes);
    }

    /** Mean cross-entropy over the labelled pixels (0 when none is labelled). */
    public static double value(Tensor logits, Targets t) {
        Backend b = logits.backend();
        Tensor rowLoss = b.allocate(logits.dtype(), t.labels.numel());
        b.softmaxCrossEntropyForward(rows(logits, t), t.labels, rowLoss);
        double[] rl = HostDoubles.read(rowLoss);
        double loss = 0;
        for (int r = 0; r < rl.length; r++) {
            loss += t.weight[r] * rl[r];
        }
        return loss;
    }

    /** d(scale * value)/dlogits, a new [N,C,H,W] tensor. */
    public static Tensor backward(Tensor logits, Targets t, double scale) {
        Backend b = logits.backend();
        Tensor w = b.allocate(logits.dtype(), t.labels.numel());
        b.scale(t.rowWeight, scale, w);
        Tensor r = rows(logits, t);
        Tensor dr = b.allocate(logits.dtype(), r.shape());
        b.softmaxCrossEntropyBackward(r, t.labels, w, dr);
        Tensor d = b.allocate(logits.dtype(), logits.shape());
        b.rowsToNchw(dr.reshape(t.n, (long) t.height * t.width * t.classes), d, 0);
        return d;
    }
}
