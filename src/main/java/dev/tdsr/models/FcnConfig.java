package dev.tdsr.models;

/**
 * Sizes of the small FCN ({@link Fcn}): {@code width} channels after the first block, {@code 2 * width} after the
 * second; {@code classes} segmentation classes (background included). Inputs need sides divisible by 4.
 */
public record FcnConfig(int width, int classes) {
    public FcnConfig {
        if (width < 1 || classes < 2) {
            throw new IllegalArgumentException("FCN: need width >= 1 and classes >= 2 (background + 1), got width "
                    + width + ", classes " + classes);
        }
    }

    /**
     * Parameters: conv1 3x3 3->w, conv2 3x3 w->w, conv3 3x3 w->2w, conv4 3x3 2w->2w (each + bias), the 1x1
     * classifier 2w->K + bias and the x4 transposed conv K->K 8x8 + bias.
     */
    public long parameterCount() {
        long w = width;
        long k = classes;
        return (27 * w + w) + (9 * w * w + w) + (9 * w * 2 * w + 2 * w) + (9 * 4 * w * w + 2 * w)
                + (2 * w * k + k) + (64 * k * k + k);
    }
}
