package dev.tdsr.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PASCAL VOC detection AP per class, computed as py-faster-rcnn's {@code voc_eval.py} does (spec/evaluation.md §1):
 * each class on its own; detections sorted by descending score; each detection compared with its single best-IoU
 * ground truth of that class in its image (first one on IoU ties); a difficult best match makes the detection
 * neither TP nor FP; an already matched best match makes it a false positive (duplicate).
 *
 * <p>Score ties keep the order in which the detections were given (a stable sort). The MATLAB devkit's {@code sort}
 * is stable, and numpy's {@code argsort} used by voc_eval is an insertion sort (also stable) below 17 elements and
 * unspecified above, so input order is the only reproducible rule.
 *
 * <p>Precision is {@code tp / max(tp + fp, eps)} as in Detectron's and ssd.pytorch's copies of voc_eval; the original
 * py-faster-rcnn file divides by {@code tp + fp} alone and gets NaN when the best-scored detections all hit difficult
 * objects.
 *
 * <p>A class with no non-difficult object has no defined AP: its {@code ap} and {@code ap07} are NaN and it is left
 * out of both means (voc_eval would give NaN and 0). A class with objects but no detection has AP 0 and counts.
 */
public final class VocEvaluator {
    private VocEvaluator() {}

    /** A box in VOC pixel coordinates: 1-based and inclusive (x2 is the last column the object covers). */
    public record Box(double x1, double y1, double x2, double y2) {}

    /** One annotated object. */
    public record GtObject(String className, Box box, boolean difficult) {}

    /** One image of the evaluated set with all its objects (of any class). */
    public record GtImage(String imageId, List<GtObject> objects) {}

    /** One detection; the order of detections of equal score decides ties (see class comment). */
    public record Detection(String imageId, String className, double score, Box box) {}

    /**
     * How a detection's best overlap is compared. {@code plusOnePixel} is the VOC convention where a box covers
     * {@code x2 - x1 + 1} pixels.
     */
    public record Options(double iouThreshold, boolean inclusive, boolean plusOnePixel) {
        /** py-faster-rcnn {@code voc_eval}: {@code ovmax > 0.5}, +1 pixel areas. The default. */
        public static final Options VOC_EVAL = new Options(0.5, false, true);
        /** The MATLAB devkit ({@code VOCevaldet.m}): {@code ov >= 0.5}, +1 pixel areas. */
        public static final Options DEVKIT = new Options(0.5, true, true);
        /** ssd.pytorch {@code eval.py}: {@code ovmax > 0.5}, continuous areas without +1. */
        public static final Options SSD_PYTORCH = new Options(0.5, false, false);
    }

    /** AP of one class; NaN for both metrics when {@code npos == 0}. */
    public record ClassResult(String className, int npos, int detections, double ap07, double ap) {}

    /** Per-class results in the order of the class list, and their means over classes with {@code npos > 0}. */
    public record Result(List<ClassResult> classes, double map07, double map) {
        public ClassResult get(String className) {
            for (ClassResult c : classes) {
                if (c.className().equals(className)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("no class '" + className + "' in this result");
        }
    }

    /** {@link #evaluate(List, List, List, Options)} with {@link Options#VOC_EVAL}. */
    public static Result evaluate(List<String> classNames, List<GtImage> images, List<Detection> detections) {
        return evaluate(classNames, images, detections, Options.VOC_EVAL);
    }

    /**
     * Evaluates {@code detections} against {@code images} for each of {@code classNames}. Objects of other classes are
     * not looked at; a detection of a class not in the list or on an image not in {@code images} is an error.
     */
    public static Result evaluate(List<String> classNames, List<GtImage> images, List<Detection> detections, Options options) {
        return match(classNames, images, detections, options).result();
    }

    /**
     * Matches {@code detections} to {@code images} once (the part of {@link #evaluate} that looks at boxes), so that
     * {@link Matched#map07(int[])} can re-score the same detections on a resample of the images without matching
     * again: a paired bootstrap over test images costs a pass over the sorted detections per resample.
     */
    public static Matched match(List<String> classNames, List<GtImage> images, List<Detection> detections,
                                Options options) {
        Map<String, Integer> imageIndex = new HashMap<>();
        for (GtImage image : images) {
            if (imageIndex.put(image.imageId(), imageIndex.size()) != null) {
                throw new IllegalArgumentException("image '" + image.imageId() + "' is listed twice in the ground truth");
            }
        }
        Map<String, List<Detection>> byClass = new LinkedHashMap<>();
        for (String name : classNames) {
            if (byClass.put(name, new ArrayList<>()) != null) {
                throw new IllegalArgumentException("class '" + name + "' is listed twice");
            }
        }
        for (Detection d : detections) {
            List<Detection> list = byClass.get(d.className());
            if (list == null) {
                throw new IllegalArgumentException("detection of class '" + d.className() + "' which is not in the class list " + classNames);
            }
            if (!imageIndex.containsKey(d.imageId())) {
                throw new IllegalArgumentException("detection on image '" + d.imageId() + "' which is not in the evaluated set");
            }
            if (Double.isNaN(d.score())) {
                throw new IllegalArgumentException("detection on image '" + d.imageId() + "' has a NaN score");
            }
            list.add(d);
        }
        List<ClassMatch> classes = new ArrayList<>();
        for (Map.Entry<String, List<Detection>> e : byClass.entrySet()) {
            classes.add(matchClass(e.getKey(), images, imageIndex, e.getValue(), options));
        }
        return new Matched(images.size(), List.copyOf(classes));
    }

    /** A detection list matched against the ground truth: every number of {@link #evaluate}, and resamples of it. */
    public static final class Matched {
        private final int imageCount;
        private final List<ClassMatch> classes;

        private Matched(int imageCount, List<ClassMatch> classes) {
            this.imageCount = imageCount;
            this.classes = classes;
        }

        /** Images of the ground truth, in its order (the indices of {@link #map07(int[])}'s counts). */
        public int imageCount() {
            return imageCount;
        }

        /** The result with every image counted once: what {@link #evaluate} returns. */
        public Result result() {
            return result(null);
        }

        /**
         * The 11-point mAP when image i counts {@code counts[i]} times (a bootstrap resample of the images). Equal to
         * evaluating the images and their detections duplicated that many times, up to the order of exactly tied
         * scores (tested).
         */
        public double map07(int[] counts) {
            if (counts.length != imageCount) {
                throw new IllegalArgumentException("map07: " + counts.length + " counts for " + imageCount + " images");
            }
            return result(counts).map07();
        }

        private Result result(int[] counts) {
            List<ClassResult> results = new ArrayList<>();
            double sum07 = 0;
            double sum = 0;
            int counted = 0;
            for (ClassMatch c : classes) {
                ClassResult r = c.score(counts);
                results.add(r);
                if (r.npos() > 0) {
                    sum07 += r.ap07();
                    sum += r.ap();
                    counted++;
                }
            }
            return new Result(List.copyOf(results), sum07 / counted, sum / counted);
        }
    }

    /**
     * One class's detections in score order, each with its image and its TP/FP flags (both 0: matched a difficult
     * object), and the class's non-difficult objects per image.
     */
    private record ClassMatch(String cls, int[] nposPerImage, int[] image, double[] tp, double[] fp) {
        ClassResult score(int[] counts) {
            long npos = 0;
            for (int i = 0; i < nposPerImage.length; i++) {
                npos += (long) nposPerImage[i] * (counts == null ? 1 : counts[i]);
            }
            int nd = image.length;
            if (npos == 0) {
                return new ClassResult(cls, 0, nd, Double.NaN, Double.NaN);
            }
            // A detection counted w times is w equal entries in a row; the curve's point after the last of them is
            // the one both AP definitions can use (precision rises within a run of TPs and falls within FPs).
            double[] rec = new double[nd];
            double[] prec = new double[nd];
            double ctp = 0;
            double cfp = 0;
            int points = 0;
            for (int d = 0; d < nd; d++) {
                int w = counts == null ? 1 : counts[image[d]];
                if (w == 0) {
                    continue;
                }
                ctp += w * tp[d];
                cfp += w * fp[d];
                rec[points] = ctp / npos;
                prec[points] = ctp / Math.max(ctp + cfp, Math.ulp(1.0)); // np.finfo(np.float64).eps
                points++;
            }
            rec = Arrays.copyOf(rec, points);
            prec = Arrays.copyOf(prec, points);
            return new ClassResult(cls, Math.toIntExact(npos), nd, elevenPointAp(rec, prec), allPointsAp(rec, prec));
        }
    }

    private static ClassMatch matchClass(String cls, List<GtImage> images, Map<String, Integer> imageIndex,
                                         List<Detection> dets, Options options) {
        // Ground truth of this class per image, with voc_eval's "det" (already matched) flags.
        List<List<GtObject>> gt = new ArrayList<>(images.size());
        int[] nposPerImage = new int[images.size()];
        for (GtImage image : images) {
            List<GtObject> objects = new ArrayList<>();
            for (GtObject o : image.objects()) {
                if (o.className().equals(cls)) {
                    objects.add(o);
                    nposPerImage[gt.size()] += o.difficult() ? 0 : 1;
                }
            }
            gt.add(objects);
        }
        List<Detection> sorted = new ArrayList<>(dets);
        sorted.sort((a, b) -> a.score() > b.score() ? -1 : a.score() < b.score() ? 1 : 0); // List.sort is stable
        int nd = sorted.size();
        int[] detImage = new int[nd];
        double[] tp = new double[nd];
        double[] fp = new double[nd];
        boolean[][] matched = new boolean[images.size()][];
        for (int d = 0; d < nd; d++) {
            Detection det = sorted.get(d);
            int img = imageIndex.get(det.imageId());
            detImage[d] = img;
            List<GtObject> objects = gt.get(img);
            if (matched[img] == null) {
                matched[img] = new boolean[objects.size()];
            }
            double ovmax = Double.NEGATIVE_INFINITY;
            int jmax = -1;
            for (int j = 0; j < objects.size(); j++) {
                double ov = iou(det.box(), objects.get(j).box(), options.plusOnePixel());
                if (ov > ovmax) { // strict: the first GT wins IoU ties, as numpy argmax
                    ovmax = ov;
                    jmax = j;
                }
            }
            boolean overlaps = options.inclusive() ? ovmax >= options.iouThreshold() : ovmax > options.iouThreshold();
            if (!overlaps) {
                fp[d] = 1;
            } else if (!objects.get(jmax).difficult()) {
                if (!matched[img][jmax]) {
                    tp[d] = 1;
                    matched[img][jmax] = true;
                } else {
                    fp[d] = 1;
                }
            } // a difficult best match: neither TP nor FP, but the entry stays in the curve as in voc_eval
        }
        return new ClassMatch(cls, nposPerImage, detImage, tp, fp);
    }

    /** IoU of two corner boxes; with {@code plusOne} a box spans {@code x2 - x1 + 1} pixels (voc_eval's order of operations). */
    static double iou(Box a, Box b, boolean plusOne) {
        double one = plusOne ? 1.0 : 0.0;
        double iw = Math.max(Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()) + one, 0.0);
        double ih = Math.max(Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()) + one, 0.0);
        double inter = iw * ih;
        double union = (a.x2() - a.x1() + one) * (a.y2() - a.y1() + one) + (b.x2() - b.x1() + one) * (b.y2() - b.y1() + one) - inter;
        return inter / union;
    }

    /**
     * VOC2007 11-point AP: mean over t = 0, 0.1, ..., 1 of the best precision at recall >= t. The points are
     * {@code i * 0.1} as numpy's {@code arange(0, 1.1, 0.1)} makes them, so 0.3, 0.6 and 0.7 are one ulp above
     * 3/10, 6/10 and 7/10 and a recall of exactly 0.3 or 0.7 does not reach them.
     */
    static double elevenPointAp(double[] rec, double[] prec) {
        double ap = 0;
        for (int i = 0; i <= 10; i++) {
            double t = i * 0.1;
            double p = 0;
            for (int k = 0; k < rec.length; k++) {
                if (rec[k] >= t) {
                    p = Math.max(p, prec[k]);
                }
            }
            ap += p / 11.0;
        }
        return ap;
    }

    /** VOC2010+ AP: area under the precision envelope, with sentinels (0, 0) and (1, 0). */
    static double allPointsAp(double[] rec, double[] prec) {
        int n = rec.length + 2;
        double[] mrec = new double[n];
        double[] mpre = new double[n];
        mrec[n - 1] = 1.0;
        System.arraycopy(rec, 0, mrec, 1, rec.length);
        System.arraycopy(prec, 0, mpre, 1, prec.length);
        for (int i = n - 1; i > 0; i--) {
            mpre[i - 1] = Math.max(mpre[i - 1], mpre[i]);
        }
        double ap = 0;
        for (int i = 0; i < n - 1; i++) {
            if (mrec[i + 1] != mrec[i]) {
                ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
            }
        }
        return ap;
    }
}
