package dev.tdsr.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ssd.pytorch training chain (augmentation.md section 1) on RGB images in [0,1]: photometric distortion, expand
 * with mean fill, random crop, mirror, bilinear resize to {@code size} (cv2.resize INTER_LINEAR). Values are in [0,1]
 * instead of 0..255, so brightness deltas are /255; RGB instead of BGR changes nothing (HSV and the channel
 * permutation are symmetric in it). The mean fill is (123, 117, 104)/255 in RGB.
 *
 * <p>Geometry is not materialised: expand, crop and mirror only move a {@link State}'s frame, and {@link
 * State#render} reads each output pixel straight from the source (or the fill), which equals building the expanded
 * canvas (up to 4x4 the image) and cropping it, at a fraction of the cost.
 *
 * @param photometric       apply the photometric distortions
 * @param expand            apply Expand (p 0.5, ratio U(1,4))
 * @param crop              apply RandomSampleCrop
 * @param mirror            apply RandomMirror (p 0.5)
 * @param enforceCropIou    false: ssd.pytorch's behaviour (the min-IoU never rejects); true: accept a crop only when
 *                          some box has IoU >= min_iou with it, as the SSD paper and Caffe do
 * @param clampOutput       clamp the final image to [0,1] (our decision: the HR target must be a valid image)
 */
public record SsdAugmentation(boolean photometric, boolean expand, boolean crop, boolean mirror,
                              boolean enforceCropIou, boolean clampOutput) {
    /** RGB mean of ssd.pytorch's (104, 117, 123) BGR, on [0,1]. */
    public static final float[] MEAN_RGB = {123 / 255f, 117 / 255f, 104 / 255f};

    private static final double[] CROP_MIN_IOU = {Double.NaN, 0.1, 0.3, 0.7, 0.9, Double.NEGATIVE_INFINITY};

    /** The full ssd.pytorch chain with its crop behaviour, output clamped. */
    public static SsdAugmentation ssd() {
        return new SsdAugmentation(true, true, true, true, false, true);
    }

    /** No augmentation: only the resize (ssd.pytorch's BaseTransform, used at test time). */
    public static SsdAugmentation none() {
        return new SsdAugmentation(false, false, false, false, false, true);
    }

    /** Runs the chain; {@code boxes} in source pixels, result boxes normalised to [0,1]. */
    public Result apply(Image source, List<Box> boxes, int[] labels, int size, SplittableRandom rng) {
        return apply(source, boxes, labels, size, 1, rng);
    }

    /**
     * Runs the chain with every expand offset, canvas side and crop edge on a grid of {@code grid} source pixels
     * (the crop's far edge may also be the source's own edge), so that an LR image of the source at 1/grid can follow
     * the same geometry pixel for pixel ({@link Result#follow}). The random draws are the same as with grid 1 (the
     * positions are only rounded), and grid 1 is the plain chain.
     */
    public Result apply(Image source, List<Box> boxes, int[] labels, int size, int grid, SplittableRandom rng) {
        if (grid < 1) {
            throw new IllegalArgumentException("augmentation grid must be >= 1, got " + grid);
        }
        Image img = source;
        Photometric photo = null;
        if (photometric) {
            img = source.copy();
            photo = Photometric.random(rng);
            photo.applyInPlace(img);
        }
        State s = new State(img, boxes, labels);
        if (expand && rng.nextInt(2) == 1) {
            double ratio = 1 + 3 * rng.nextDouble();
            double left = rng.nextDouble() * (img.width() * ratio - img.width());
            double top = rng.nextDouble() * (img.height() * ratio - img.height());
            // rounding the offsets down and the canvas up keeps the image inside the canvas
            s.expand(roundUp((int) (img.width() * ratio), grid), roundUp((int) (img.height() * ratio), grid),
                    roundDown((int) left, grid), roundDown((int) top, grid));
        }
        if (crop) {
            randomCrop(s, grid, rng);
        }
        if (mirror && rng.nextInt(2) == 1) {
            s.mirror();
        }
        Result r = s.render(size, clampOutput);
        return new Result(r.image(), r.boxes(), r.labels(), photo, s, clampOutput);
    }

    private static int roundDown(int v, int grid) {
        return v - v % grid;
    }

    private static int roundUp(int v, int grid) {
        return roundDown(v + grid - 1, grid);
    }

    /** RandomSampleCrop: options chosen uniformly until one yields a crop (or "none" is chosen). */
    private void randomCrop(State s, int grid, SplittableRandom rng) {
        while (true) {
            double minIou = CROP_MIN_IOU[rng.nextInt(CROP_MIN_IOU.length)];
            if (Double.isNaN(minIou)) {
                return;
            }
            int w0 = s.width();
            int h0 = s.height();
            for (int trial = 0; trial < 50; trial++) {
                double w = w0 * (0.3 + 0.7 * rng.nextDouble());
                double h = h0 * (0.3 + 0.7 * rng.nextDouble());
                if (h / w < 0.5 || h / w > 2) {
                    continue;
                }
                double left = rng.nextDouble() * (w0 - w);
                double top = rng.nextDouble() * (h0 - h);
                int x1 = roundDown((int) left, grid);
                int y1 = roundDown((int) top, grid);
                int x2 = Math.min(roundUp((int) (left + w), grid), w0);
                int y2 = Math.min(roundUp((int) (top + h), grid), h0);
                if (enforceCropIou && !anyIouAtLeast(s.boxes, new Box(x1, y1, x2, y2), minIou)) {
                    continue;
                }
                if (s.crop(x1, y1, x2, y2)) {
                    return;
                }
            }
        }
    }

    private static boolean anyIouAtLeast(List<Box> boxes, Box rect, double minIou) {
        for (Box b : boxes) {
            if (b.iou(rect) >= minIou) {
                return true;
            }
        }
        return false;
    }

    /**
     * An augmented image with its boxes normalised to [0,1] ({@code boxes[4*i..4*i+3]} = x1, y1, x2, y2), and what
     * made it: the photometric draw (null when off) and the final frame, so that a paired image can follow.
     */
    public record Result(Image image, float[] boxes, int[] labels, Photometric photometric, State frame,
                         boolean clamp) {
        /**
         * The same augmentation applied to {@code paired}, an image of the source at 1/{@code grid} (its sides
         * {@code ceil(source/grid)}; the chain must have run on that grid): the same photometric draw, the frame
         * scaled to the paired image's pixels, rendered at {@code outSize}. The boxes are not transformed again: they
         * are this result's.
         */
        public Image follow(Image paired, int grid, int outSize) {
            Image src = paired;
            if (photometric != null) {
                src = paired.copy();
                photometric.applyInPlace(src);
            }
            return frame.onGrid(src, grid).render(outSize, clamp).image();
        }
    }

    /**
     * The image as a frame over a source: a canvas of {@code canvasW x canvasH} filled with the mean holds the
     * source at (offX, offY); the current image is the crop rectangle of that canvas, optionally mirrored. Boxes are
     * in current-image pixels. The steps must come in the chain's order (expand, crop, mirror).
     */
    public static final class State {
        private final Image source;
        private int offX;
        private int offY;
        private int cropX;
        private int cropY;
        private int cropW;
        private int cropH;
        private boolean mirrored;
        private List<Box> boxes;
        private int[] labels;

        public State(Image source, List<Box> boxes, int[] labels) {
            if (boxes.size() != labels.length) {
                throw new IllegalArgumentException(boxes.size() + " boxes but " + labels.length + " labels");
            }
            this.source = source;
            this.cropW = source.width();
            this.cropH = source.height();
            this.boxes = List.copyOf(boxes);
            this.labels = labels.clone();
        }

        /**
         * This frame over {@code paired}, an image of the source at 1/{@code grid} ({@code ceil(side/grid)} per
         * side): offsets and crop origins divided by the grid (they must lie on it), far edges rounded up (a crop
         * may end at the source's own edge, which need not lie on the grid). Without boxes.
         */
        public State onGrid(Image paired, int grid) {
            if (paired.width() != Bicubic.outLength(source.width(), grid)
                    || paired.height() != Bicubic.outLength(source.height(), grid)) {
                throw new IllegalArgumentException("paired image is " + paired.width() + "x" + paired.height()
                        + " but a 1/" + grid + " image of the " + source.width() + "x" + source.height()
                        + " source is " + Bicubic.outLength(source.width(), grid) + "x"
                        + Bicubic.outLength(source.height(), grid));
            }
            if (offX % grid != 0 || offY % grid != 0 || cropX % grid != 0 || cropY % grid != 0) {
                throw new IllegalStateException("frame (offset " + offX + "," + offY + ", crop at " + cropX + ","
                        + cropY + ") is not on the grid of " + grid + " pixels");
            }
            State p = new State(paired, List.of(), new int[0]);
            p.offX = offX / grid;
            p.offY = offY / grid;
            p.cropX = cropX / grid;
            p.cropY = cropY / grid;
            p.cropW = Bicubic.outLength(cropX + cropW, grid) - p.cropX;
            p.cropH = Bicubic.outLength(cropY + cropH, grid) - p.cropY;
            p.mirrored = mirrored;
            return p;
        }

        public int width() {
            return cropW;
        }

        public int height() {
            return cropH;
        }

        public List<Box> boxes() {
            return boxes;
        }

        public int[] labels() {
            return labels.clone();
        }

        /** Expand: a {@code canvasW x canvasH} mean-filled canvas with the image at (left, top); boxes shift. */
        public void expand(int canvasW, int canvasH, int left, int top) {
            if (cropX != 0 || cropY != 0 || cropW != source.width() || cropH != source.height() || mirrored) {
                throw new IllegalStateException("expand must come before crop and mirror");
            }
            if (left < 0 || top < 0 || left + source.width() > canvasW || top + source.height() > canvasH) {
                throw new IllegalArgumentException("expand: image does not fit the canvas at (" + left + "," + top + ")");
            }
            offX = left;
            offY = top;
            cropW = canvasW;
            cropH = canvasH;
            boxes = boxes.stream().map(b -> b.translate(left, top)).toList();
        }

        /**
         * Crops to [x1,x2) x [y1,y2) of the current image, keeping the boxes whose centre is strictly inside, clipped
         * and shifted. Returns false and changes nothing when no centre is inside.
         */
        public boolean crop(int x1, int y1, int x2, int y2) {
            if (mirrored) {
                throw new IllegalStateException("crop must come before mirror");
            }
            if (x1 < 0 || y1 < 0 || x2 > cropW || y2 > cropH || x2 <= x1 || y2 <= y1) {
                throw new IllegalArgumentException("crop: rectangle outside the " + cropW + "x" + cropH + " image");
            }
            Box rect = new Box(x1, y1, x2, y2);
            List<Box> kept = new ArrayList<>();
            int[] keptLabels = new int[labels.length];
            for (int i = 0; i < boxes.size(); i++) {
                Box b = boxes.get(i);
                double cx = b.centreX();
                double cy = b.centreY();
                if (x1 < cx && cx < x2 && y1 < cy && cy < y2) {
                    keptLabels[kept.size()] = labels[i];
                    kept.add(b.intersect(rect).translate(-x1, -y1));
                }
            }
            if (kept.isEmpty()) {
                return false;
            }
            boxes = kept;
            labels = java.util.Arrays.copyOf(keptLabels, kept.size());
            cropX += x1;
            cropY += y1;
            cropW = x2 - x1;
            cropH = y2 - y1;
            return true;
        }

        /** Horizontal flip: x1' = W - x2, x2' = W - x1. */
        public void mirror() {
            mirrored = !mirrored;
            int w = cropW;
            boxes = boxes.stream().map(b -> new Box(w - b.x2(), b.y1(), w - b.x1(), b.y2())).toList();
        }

        /** Bilinear resize of the current image to {@code size x size} (cv2 INTER_LINEAR), boxes normalised. */
        public Result render(int size, boolean clamp) {
            int[] x0 = new int[size];
            int[] x1 = new int[size];
            float[] fx = new float[size];
            int[] y0 = new int[size];
            int[] y1 = new int[size];
            float[] fy = new float[size];
            taps(size, cropW, x0, x1, fx);
            taps(size, cropH, y0, y1, fy);
            for (int i = 0; i < size; i++) { // current-image column -> source column (-1 = fill)
                x0[i] = sourceIndex(mirrored ? cropW - 1 - x0[i] : x0[i], cropX - offX, source.width());
                x1[i] = sourceIndex(mirrored ? cropW - 1 - x1[i] : x1[i], cropX - offX, source.width());
                y0[i] = sourceIndex(y0[i], cropY - offY, source.height());
                y1[i] = sourceIndex(y1[i], cropY - offY, source.height());
            }
            int sw = source.width();
            int sh = source.height();
            float[] src = source.data();
            float[] out = new float[3 * size * size];
            for (int c = 0; c < 3; c++) {
                float fill = MEAN_RGB[c];
                int plane = c * sh;
                for (int y = 0; y < size; y++) {
                    int r0 = y0[y] < 0 ? -1 : (plane + y0[y]) * sw;
                    int r1 = y1[y] < 0 ? -1 : (plane + y1[y]) * sw;
                    float wy = fy[y];
                    int o = (c * size + y) * size;
                    for (int x = 0; x < size; x++) {
                        int a = x0[x];
                        int b = x1[x];
                        float p00 = r0 < 0 || a < 0 ? fill : src[r0 + a];
                        float p01 = r0 < 0 || b < 0 ? fill : src[r0 + b];
                        float p10 = r1 < 0 || a < 0 ? fill : src[r1 + a];
                        float p11 = r1 < 0 || b < 0 ? fill : src[r1 + b];
                        float wx = fx[x];
                        float top = p00 + wx * (p01 - p00);
                        float bot = p10 + wx * (p11 - p10);
                        float v = top + wy * (bot - top);
                        out[o + x] = clamp ? Math.min(1f, Math.max(0f, v)) : v;
                    }
                }
            }
            float[] nb = new float[4 * boxes.size()];
            for (int i = 0; i < boxes.size(); i++) {
                Box b = boxes.get(i);
                nb[4 * i] = (float) (b.x1() / cropW);
                nb[4 * i + 1] = (float) (b.y1() / cropH);
                nb[4 * i + 2] = (float) (b.x2() / cropW);
                nb[4 * i + 3] = (float) (b.y2() / cropH);
            }
            return new Result(new Image(size, size, out), nb, labels.clone(), null, this, clamp);
        }

        /** cv2 INTER_LINEAR source taps: centre-aligned, edge pixels replicated. */
        private static void taps(int outLen, int inLen, int[] i0, int[] i1, float[] frac) {
            double scale = (double) inLen / outLen;
            for (int i = 0; i < outLen; i++) {
                double s = (i + 0.5) * scale - 0.5;
                int f = (int) Math.floor(s);
                double t = s - f;
                if (f < 0) {
                    f = 0;
                    t = 0;
                }
                if (f >= inLen - 1) {
                    f = inLen - 1;
                    t = 0;
                }
                i0[i] = f;
                i1[i] = Math.min(f + 1, inLen - 1);
                frac[i] = (float) t;
            }
        }

        private static int sourceIndex(int current, int shift, int sourceLen) {
            int s = current + shift;
            return s >= 0 && s < sourceLen ? s : -1;
        }
    }
}
