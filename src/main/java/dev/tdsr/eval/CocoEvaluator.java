package dev.tdsr.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The 12 numbers of pycocotools' {@code COCOeval.summarize()} for iouType {@code bbox}, computed the same way
 * ({@code evaluate}, {@code evaluateImg}, {@code accumulate}; spec/evaluation.md §2 and §4):
 * <ul>
 *   <li>images and categories are those of the ground truth, in ascending id order; detections of an unknown
 *       category are dropped, detections on an unknown image are an error;</li>
 *   <li>per image and category, detections are stably sorted by descending score and cut to 100 <em>before</em>
 *       anything is ignored;</li>
 *   <li>IoU without +1; a crowd GT's IoU is intersection / detection area; crowd GTs are ignored and can absorb any
 *       number of detections; GTs whose {@code area} field is outside the range are ignored (ranges inclusive at both
 *       ends); the greedy match prefers non-ignored GTs and, among equal IoUs, the later GT;</li>
 *   <li>a GT with id 0 cannot produce a true positive (pycocotools stores the matched id and tests it for non-zero).</li>
 * </ul>
 * Unlike pycocotools (which fails on an empty result list), no detections at all gives 0 wherever there is ground truth.
 */
public final class CocoEvaluator {
    private CocoEvaluator() {}

    /** A ground-truth annotation; {@code area} is the annotation's own field (segment area), bbox is x, y, w, h. */
    public record Annotation(long id, long imageId, long categoryId, double x, double y, double w, double h, double area, boolean crowd) {}

    /** The evaluated images and categories (ids) and their annotations. */
    public record GroundTruth(List<Long> imageIds, List<Long> categoryIds, List<Annotation> annotations) {}

    /** A detection in original image pixels, bbox x, y, w, h. Its area is w * h, as {@code loadRes} sets it. */
    public record Detection(long imageId, long categoryId, double x, double y, double w, double h, double score) {}

    /** The summary; -1 where pycocotools prints -1 (no category has ground truth in that slice). */
    public record Result(double ap, double ap50, double ap75, double apSmall, double apMedium, double apLarge,
                         double ar1, double ar10, double ar100, double arSmall, double arMedium, double arLarge) {
        /** The names of {@link #values()}, in the order of pycocotools' printout. */
        public static final List<String> NAMES = List.of("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl");

        public double[] values() {
            return new double[] {ap, ap50, ap75, apSmall, apMedium, apLarge, ar1, ar10, ar100, arSmall, arMedium, arLarge};
        }
    }

    /** {@code np.linspace(.5, .95, 10)}: 0.8999999999999999 included. */
    static final double[] IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
    /** {@code np.linspace(0, 1, 101)}: 0.35000000000000003, 0.7000000000000001, ... included. */
    static final double[] RECALL_THRESHOLDS = linspace(0.0, 1.0, 101);
    static final int[] MAX_DETS = {1, 10, 100};
    /** all, small, medium, large: {@code [0, 1e5^2], [0, 32^2], [32^2, 96^2], [96^2, 1e5^2]}. */
    static final double[][] AREA_RANGES = {{0, 1e10}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e10}};
    private static final double EPS = Math.ulp(1.0); // np.spacing(1)

    /** numpy's linspace: {@code start + i * ((stop - start) / (n - 1))}, the last point set to stop. */
    static double[] linspace(double start, double stop, int n) {
        double step = (stop - start) / (n - 1);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = i * step + start;
        }
        y[n - 1] = stop;
        return y;
    }

    /** What {@code evaluateImg} returns for one (image, category, area range), {@code null} there when both lists are empty. */
    private record ImageEval(double[] scores, boolean[][] matched, boolean[][] ignored, int nonIgnoredGt) {}

    public static Result evaluate(GroundTruth gt, List<Detection> detections) {
        long[] imgIds = sortedUnique(gt.imageIds());
        long[] catIds = sortedUnique(gt.categoryIds());
        Map<Long, Integer> imgIndex = index(imgIds);
        Map<Long, Integer> catIndex = index(catIds);
        int nI = imgIds.length;
        int nK = catIds.length;
        // Cells [k][i] in input order, as _prepare groups them.
        List<List<Annotation>> gts = cells(nK * nI);
        List<List<Det>> dts = cells(nK * nI);
        for (Annotation a : gt.annotations()) {
            Integer i = imgIndex.get(a.imageId());
            Integer k = catIndex.get(a.categoryId());
            if (i != null && k != null) {
                gts.get(k * nI + i).add(a);
            }
        }
        for (int n = 0; n < detections.size(); n++) {
            Detection d = detections.get(n);
            Integer i = imgIndex.get(d.imageId());
            if (i == null) {
                throw new IllegalArgumentException("detection " + n + " is on image_id " + d.imageId() + " which is not in the ground truth");
            }
            if (Double.isNaN(d.score())) {
                throw new IllegalArgumentException("detection " + n + " has a NaN score");
            }
            Integer k = catIndex.get(d.categoryId());
            if (k != null) {
                dts.get(k * nI + i).add(new Det(n + 1, d)); // loadRes numbers results 1..n in file order
            }
        }
        int nT = IOU_THRESHOLDS.length;
        int nR = RECALL_THRESHOLDS.length;
        int nA = AREA_RANGES.length;
        int nM = MAX_DETS.length;
        double[] precision = new double[nT * nR * nK * nA * nM]; // [t][r][k][a][m] flattened
        double[] recall = new double[nT * nK * nA * nM];          // [t][k][a][m]
        Arrays.fill(precision, -1);
        Arrays.fill(recall, -1);
        for (int k = 0; k < nK; k++) {
            List<ImageEval[]> perImage = new ArrayList<>(nI); // [area] per image
            for (int i = 0; i < nI; i++) {
                perImage.add(evaluateImage(gts.get(k * nI + i), dts.get(k * nI + i)));
            }
            for (int a = 0; a < nA; a++) {
                for (int m = 0; m < nM; m++) {
                    double[][] pr = accumulate(perImage, a, MAX_DETS[m]);
                    if (pr == null) {
                        continue;
                    }
                    for (int t = 0; t < nT; t++) {
                        recall[((t * nK + k) * nA + a) * nM + m] = pr[t][nR];
                        for (int r = 0; r < nR; r++) {
                            precision[(((t * nR + r) * nK + k) * nA + a) * nM + m] = pr[t][r];
                        }
                    }
                }
            }
        }
        Summary s = new Summary(precision, recall, nK);
        return new Result(s.ap(-1, 0, 2), s.ap(0, 0, 2), s.ap(5, 0, 2), s.ap(-1, 1, 2), s.ap(-1, 2, 2), s.ap(-1, 3, 2),
                s.ar(0, 0), s.ar(0, 1), s.ar(0, 2), s.ar(1, 2), s.ar(2, 2), s.ar(3, 2));
    }

    /** A detection with the id loadRes gives it. */
    private record Det(long id, Detection d) {
        double area() {
            return d.w() * d.h();
        }
    }

    /** evaluateImg for every area range of one (image, category); null when there is neither GT nor detection. */
    private static ImageEval[] evaluateImage(List<Annotation> gt, List<Det> dtAll) {
        if (gt.isEmpty() && dtAll.isEmpty()) {
            return null;
        }
        List<Det> dt = new ArrayList<>(dtAll);
        dt.sort((p, q) -> p.d().score() > q.d().score() ? -1 : p.d().score() < q.d().score() ? 1 : 0); // stable, as mergesort
        if (dt.size() > MAX_DETS[MAX_DETS.length - 1]) {
            dt = dt.subList(0, MAX_DETS[MAX_DETS.length - 1]);
        }
        int nD = dt.size();
        int nG = gt.size();
        double[][] ious = new double[nD][nG];
        for (int d = 0; d < nD; d++) {
            for (int g = 0; g < nG; g++) {
                ious[d][g] = iou(dt.get(d).d(), gt.get(g));
            }
        }
        double[] scores = new double[nD];
        for (int d = 0; d < nD; d++) {
            scores[d] = dt.get(d).d().score();
        }
        ImageEval[] out = new ImageEval[AREA_RANGES.length];
        for (int a = 0; a < AREA_RANGES.length; a++) {
            double lo = AREA_RANGES[a][0];
            double hi = AREA_RANGES[a][1];
            // GT order: non-ignored first, stable.
            int[] order = new int[nG];
            boolean[] gIgnore = new boolean[nG];
            int n = 0;
            for (int pass = 0; pass < 2; pass++) {
                for (int g = 0; g < nG; g++) {
                    Annotation x = gt.get(g);
                    boolean ignore = x.crowd() || x.area() < lo || x.area() > hi;
                    if (ignore == (pass == 1)) {
                        gIgnore[n] = ignore;
                        order[n++] = g;
                    }
                }
            }
            int nonIgnored = 0;
            for (boolean ig : gIgnore) {
                nonIgnored += ig ? 0 : 1;
            }
            boolean[][] matched = new boolean[IOU_THRESHOLDS.length][nD];
            boolean[][] ignored = new boolean[IOU_THRESHOLDS.length][nD];
            for (int t = 0; t < IOU_THRESHOLDS.length; t++) {
                boolean[] gtTaken = new boolean[nG];
                for (int d = 0; d < nD; d++) {
                    double best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
                    int m = -1;
                    for (int j = 0; j < nG; j++) {
                        Annotation g = gt.get(order[j]);
                        if (gtTaken[j] && !g.crowd()) {
                            continue;
                        }
                        if (m > -1 && !gIgnore[m] && gIgnore[j]) {
                            break; // already on a regular GT: ignored ones (sorted last) cannot take it
                        }
                        double v = ious[d][order[j]];
                        if (v < best) {
                            continue;
                        }
                        best = v; // >=: among equal IoUs the later GT wins
                        m = j;
                    }
                    if (m == -1) {
                        continue;
                    }
                    ignored[t][d] = gIgnore[m];
                    matched[t][d] = gt.get(order[m]).id() != 0;
                    gtTaken[m] = true;
                }
                for (int d = 0; d < nD; d++) {
                    double area = dt.get(d).area();
                    if (!matched[t][d] && (area < lo || area > hi)) {
                        ignored[t][d] = true;
                    }
                }
            }
            out[a] = new ImageEval(scores, matched, ignored, nonIgnored);
        }
        return out;
    }

    /** bbIou of maskApi.c: no +1; a crowd GT's union is the detection's own area. */
    static double iou(Detection d, Annotation g) {
        double w = Math.min(d.w() + d.x(), g.w() + g.x()) - Math.max(d.x(), g.x());
        if (w <= 0) {
            return 0;
        }
        double h = Math.min(d.h() + d.y(), g.h() + g.y()) - Math.max(d.y(), g.y());
        if (h <= 0) {
            return 0;
        }
        double inter = w * h;
        double da = d.w() * d.h();
        double union = g.crowd() ? da : da + g.w() * g.h() - inter;
        return inter / union;
    }

    /**
     * accumulate for one (category, area, maxDet): per IoU threshold the 101 interpolated precisions followed by the
     * final recall; null when the category has no non-ignored GT here (the arrays keep -1).
     */
    private static double[][] accumulate(List<ImageEval[]> perImage, int a, int maxDet) {
        List<ImageEval> es = new ArrayList<>();
        int npig = 0;
        int total = 0;
        for (ImageEval[] e : perImage) {
            if (e != null) {
                es.add(e[a]);
                npig += e[a].nonIgnoredGt();
                total += Math.min(maxDet, e[a].scores().length);
            }
        }
        if (es.isEmpty() || npig == 0) {
            return null;
        }
        // Concatenate the first maxDet of each image in image-id order, then a stable sort by descending score.
        int[] img = new int[total];
        int[] pos = new int[total];
        double[] score = new double[total];
        int n = 0;
        for (int e = 0; e < es.size(); e++) {
            for (int d = 0; d < Math.min(maxDet, es.get(e).scores().length); d++) {
                img[n] = e;
                pos[n] = d;
                score[n++] = es.get(e).scores()[d];
            }
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (p, q) -> score[p] > score[q] ? -1 : score[p] < score[q] ? 1 : 0); // stable merge sort
        int nR = RECALL_THRESHOLDS.length;
        double[][] out = new double[IOU_THRESHOLDS.length][nR + 1];
        double[] rc = new double[total];
        double[] pr = new double[total];
        for (int t = 0; t < IOU_THRESHOLDS.length; t++) {
            double tp = 0;
            double fp = 0;
            for (int i = 0; i < total; i++) {
                ImageEval e = es.get(img[order[i]]);
                int d = pos[order[i]];
                if (!e.ignored()[t][d]) {
                    if (e.matched()[t][d]) {
                        tp++;
                    } else {
                        fp++;
                    }
                }
                rc[i] = tp / npig;
                pr[i] = tp / (fp + tp + EPS);
            }
            for (int i = total - 1; i > 0; i--) {
                if (pr[i] > pr[i - 1]) {
                    pr[i - 1] = pr[i];
                }
            }
            int i = 0;
            for (int r = 0; r < nR; r++) { // searchsorted(rc, r, 'left'); 0 past the end
                while (i < total && rc[i] < RECALL_THRESHOLDS[r]) {
                    i++;
                }
                out[t][r] = i < total ? pr[i] : 0;
            }
            out[t][nR] = total > 0 ? rc[total - 1] : 0;
        }
        return out;
    }

    /** summarize(): means over the entries > -1 of a slice of the precision / recall arrays. */
    private record Summary(double[] precision, double[] recall, int nK) {
        /** AP at threshold index {@code t} (-1: all thresholds), area index {@code a}, maxDet index {@code m}. */
        double ap(int t, int a, int m) {
            int nT = IOU_THRESHOLDS.length;
            int nR = RECALL_THRESHOLDS.length;
            int nA = AREA_RANGES.length;
            int nM = MAX_DETS.length;
            double sum = 0;
            int count = 0;
            for (int ti = t < 0 ? 0 : t; ti < (t < 0 ? nT : t + 1); ti++) {
                for (int r = 0; r < nR; r++) {
                    for (int k = 0; k < nK; k++) {
                        double v = precision[(((ti * nR + r) * nK + k) * nA + a) * nM + m];
                        if (v > -1) {
                            sum += v;
                            count++;
                        }
                    }
                }
            }
            return count == 0 ? -1 : sum / count;
        }

        /** AR over all thresholds, area index {@code a}, maxDet index {@code m}. */
        double ar(int a, int m) {
            int nA = AREA_RANGES.length;
            int nM = MAX_DETS.length;
            double sum = 0;
            int count = 0;
            for (int t = 0; t < IOU_THRESHOLDS.length; t++) {
                for (int k = 0; k < nK; k++) {
                    double v = recall[((t * nK + k) * nA + a) * nM + m];
                    if (v > -1) {
                        sum += v;
                        count++;
                    }
                }
            }
            return count == 0 ? -1 : sum / count;
        }
    }

    private static long[] sortedUnique(List<Long> ids) {
        return new TreeSet<>(ids).stream().mapToLong(Long::longValue).toArray();
    }

    private static Map<Long, Integer> index(long[] ids) {
        Map<Long, Integer> m = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            m.put(ids[i], i);
        }
        return m;
    }

    private static <T> List<List<T>> cells(int n) {
        List<List<T>> c = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            c.add(new ArrayList<>());
        }
        return c;
    }
}
