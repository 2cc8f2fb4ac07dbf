package dev.tdsr.data;

/**
 * The two non-learned inputs for the detector (TDSR Table 1 rows "LR" and "Bicubic").
 *
 * <p>LR row: the LR image pasted at the <b>top-left</b> of a black (zero) HR-sized canvas. Top-left because the
 * paper does not say and it keeps the origin shared with the HR frame: a normalised canvas coordinate u maps back to
 * image-normalised {@code u * hrSize / lrSize} (augmentation.md section 4), with no offset to carry.
 */
public final class LrBaselines {
    private LrBaselines() {}

    /** LR at the top-left of a zero canvas of {@code width x height}. */
    public static Image pasteTopLeft(Image lr, int width, int height) {
        if (lr.width() > width || lr.height() > height) {
            throw new IllegalArgumentException("LR " + lr.width() + "x" + lr.height() + " does not fit a " + width
                    + "x" + height + " canvas");
        }
        Image out = Image.blank(width, height);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < lr.height(); y++) {
                System.arraycopy(lr.data(), (c * lr.height() + y) * lr.width(), out.data(),
                        (c * height + y) * width, lr.width());
            }
        }
        return out;
    }

    /** LR enlarged to {@code width x height} with MATLAB-style bicubic (a = -0.5, no antialiasing when enlarging). */
    public static Image bicubicUp(Image lr, int width, int height) {
        return Bicubic.resize(lr, width, height);
    }

    /** A normalised coordinate on the pasted canvas, as a normalised coordinate of the LR image. */
    public static double canvasToImage(double u, int canvasLength, int lrLength) {
        return u * canvasLength / lrLength;
    }
}
