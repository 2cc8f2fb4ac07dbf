package dev.tdsr.models;

import dev.tdsr.data.Seeds;
import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Tensor;
import java.util.SplittableRandom;

/**
 * SR4IR's cross-quality patch mix (Kim et al., CVPR 2024): each image is cut into a {@code grid x grid} grid of
 * patches and each patch is taken from the SR image or from the HR image with probability 1/2, drawn per image from
 * (seed, step) alone, so a run and its resume mix alike. The task network then sees SR content next to HR context;
 * the gradient reaches S only through the SR patches ({@link #backwardToSr}). Patch p of row r spans rows
 * [r*H/grid, (r+1)*H/grid), likewise for columns, so every pixel lies in exactly one patch.
 */
public final class PatchMix {
    private static final long SALT = 0x43514d69L; // "CQMi": this mix's random stream

    private final int grid;
    private final boolean[][] fromSr; // [image][patch]

    private PatchMix(int grid, boolean[][] fromSr) {
        this.grid = grid;
        this.fromSr = fromSr;
    }

    /** The mix of step {@code step} for {@code images} images on a {@code grid x grid} grid (grid >= 1). */
    public static PatchMix draw(long seed, long step, int images, int grid) {
        if (grid < 1) {
            throw new IllegalArgumentException("patch mix grid " + grid + ": expected at least 1");
        }
        SplittableRandom rnd = Seeds.random(seed, SALT, step);
        boolean[][] m = new boolean[images][grid * grid];
        for (boolean[] row : m) {
            for (int p = 0; p < row.length; p++) {
                row[p] = rnd.nextBoolean();
            }
        }
        return new PatchMix(grid, m);
    }

    /** Whether patch {@code p} (row-major) of image {@code i} comes from SR. */
    public boolean fromSr(int i, int p) {
        return fromSr[i][p];
    }

    /** The mixed images: HR with the chosen patches of SR (a new tensor of sr's shape). */
    public Tensor mix(Tensor sr, Tensor hr) {
        check(sr);
        if (!java.util.Arrays.equals(sr.shape(), hr.shape())) {
            throw new IllegalArgumentException("patch mix: sr " + sr + " and hr " + hr + " differ in shape");
        }
        Backend b = sr.backend();
        // every pixel is the sum of exactly one placed patch and zeros, so the mix copies its sources exactly
        Tensor out = b.allocate(sr.dtype(), sr.shape()).fill(0);
        forEachPatch(sr, (i, top, left, h, w, useSr) -> {
            Tensor p = patch(image(useSr ? sr : hr, i), top, left, h, w);
            b.axpy(1, place(p, image(out, i), top, left), image(out, i));
        });
        return out;
    }

    /** d(loss)/d(sr) given d(loss)/d(mix(sr, hr)): the gradient on the SR patches, 0 on the HR ones (new tensor). */
    public Tensor backwardToSr(Tensor dMixed) {
        check(dMixed);
        Backend b = dMixed.backend();
        Tensor dSr = b.allocate(dMixed.dtype(), dMixed.shape()).fill(0);
        forEachPatch(dMixed, (i, top, left, h, w, useSr) -> {
            if (!useSr) {
                return;
            }
            Tensor d = patch(image(dMixed, i), top, left, h, w);
            b.axpy(1, place(d, image(dSr, i), top, left), image(dSr, i));
        });
        return dSr;
    }

    private void check(Tensor x) {
        if (x.ndim() != 4 || x.dim(0) != fromSr.length || x.dim(2) < grid || x.dim(3) < grid) {
            throw new IllegalArgumentException("patch mix: images " + x + ", expected [" + fromSr.length
                    + ",C,H,W] with H and W at least the grid " + grid);
        }
    }

    private interface PatchVisitor {
        void visit(int image, long top, long left, long height, long width, boolean fromSr);
    }

    private void forEachPatch(Tensor x, PatchVisitor v) {
        long height = x.dim(2);
        long width = x.dim(3);
        for (int i = 0; i < fromSr.length; i++) {
            for (int r = 0; r < grid; r++) {
                for (int c = 0; c < grid; c++) {
                    long top = r * height / grid;
                    long left = c * width / grid;
                    v.visit(i, top, left, (r + 1) * height / grid - top, (c + 1) * width / grid - left,
                            fromSr[i][r * grid + c]);
                }
            }
        }
    }

    /** Image i of a batch, as a view [1,C,H,W]. */
    private static Tensor image(Tensor x, int i) {
        long per = x.dim(1) * x.dim(2) * x.dim(3);
        return x.view(i * per, 1, x.dim(1), x.dim(2), x.dim(3));
    }

    private static Tensor patch(Tensor img, long top, long left, long h, long w) {
        Tensor y = img.backend().allocate(img.dtype(), 1, img.dim(1), h, w);
        img.backend().crop2dForward(img, y, top, left);
        return y;
    }

    /** {@code p} placed at (top, left) of a zero image shaped like {@code like}. */
    private static Tensor place(Tensor p, Tensor like, long top, long left) {
        Tensor y = like.backend().allocate(like.dtype(), like.shape());
        like.backend().crop2dBackward(p, y, top, left);
        return y;
    }
}
