package dev.tdsr.data;

import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Where a sample's LR image comes from: made from the pipeline's HR on the fly ({@link Degradation}), or read from the
 * sample's own LR file ({@link LrFiles}). The loader, the test bench and every caller ask this one interface, so
 * neither knows which.
 */
public interface LrSource {
    /** The SR factor: LR sides are {@code ceil(HR/scale)}. */
    int scale();

    /** LR width or height for an HR length: {@code ceil(hr/scale)}. */
    default int lrLength(int hr) {
        return Bicubic.outLength(hr, scale());
    }

    /**
     * The pixel grid that augmentation crops and offsets must keep to (in HR source pixels) so that this source's LR
     * can follow them: 1 when the LR is made from the augmented HR, the scale when it is a separate image.
     */
    default int grid() {
        return 1;
    }

    /**
     * The LR of {@code sample}, whose HR the pipeline turned into {@code hr}. {@code follow} turns an LR image of the
     * sample's original (its sides {@code ceil(original/scale)}) into the pipeline's LR by the same steps; a
     * degradation ignores it and degrades {@code hr}. {@code rng} is for noise (the sample's own stream).
     */
    Image lr(Sample sample, Image hr, UnaryOperator<Image> follow, SplittableRandom rng);
}
