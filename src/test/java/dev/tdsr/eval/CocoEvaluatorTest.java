package dev.tdsr.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.eval.CocoEvaluator.Annotation;
import dev.tdsr.eval.CocoEvaluator.Detection;
import dev.tdsr.eval.CocoEvaluator.GroundTruth;
import dev.tdsr.eval.CocoEvaluator.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed COCOeval cases. "~1" below is a precision of tp / (tp + fp + eps) with fp = 0, i.e. 1 - 2.2e-16.
 * The 101 recall points r_i = i * 0.01 satisfy r_50 == 0.5 and r_70 == 0.7000000000000001 > 0.7.
 */
class CocoEvaluatorTest {
    private static final double TOL = 1e-12;

    private static Annotation ann(long id, long img, long cat, double x, double y, double w, double h, double area, boolean crowd) {
        return new Annotation(id, img, cat, x, y, w, h, area, crowd);
    }

    /** A regular 100x100 GT at (x, 0), area 10000 (large). */
    private static Annotation box(long id, long img, long cat, double x) {
        return ann(id, img, cat, x, 0, 100, 100, 10000, false);
    }

    private static Detection det(long img, long cat, double x, double y, double w, double h, double score) {
        return new Detection(img, cat, x, y, w, h, score);
    }

    private static GroundTruth gt(List<Long> images, List<Long> cats, Annotation... anns) {
        return new GroundTruth(images, cats, List.of(anns));
    }

    @Test
    void thresholdsAreNumpyLinspace() {
        assertEquals(0.75, CocoEvaluator.IOU_THRESHOLDS[5], 0.0);
        assertEquals(0.8999999999999999, CocoEvaluator.IOU_THRESHOLDS[8], 0.0);
        assertEquals(0.95, CocoEvaluator.IOU_THRESHOLDS[9], 0.0);
        assertEquals(0.35000000000000003, CocoEvaluator.RECALL_THRESHOLDS[35], 0.0);
        assertEquals(0.7000000000000001, CocoEvaluator.RECALL_THRESHOLDS[70], 0.0);
        assertEquals(0.5, CocoEvaluator.RECALL_THRESHOLDS[50], 0.0);
    }

    @Test
    void onePerfectDetection() {
        // precision 1/(1+eps) at every point: just below 1. Only the large range holds the GT (area 10000 >= 9216).
        Result r = CocoEvaluator.evaluate(gt(List.of(1L), List.of(1L), box(1, 1, 1, 0)), List.of(det(1, 1, 0, 0, 100, 100, .9)));
        assertTrue(r.ap() < 1.0 && r.ap() > 1 - 1e-14, "AP " + r.ap());
        assertEquals(1.0, r.ap50(), 1e-14);
        assertEquals(1.0, r.ap75(), 1e-14);
        assertEquals(1.0, r.apLarge(), 1e-14);
        assertEquals(-1.0, r.apSmall(), 0.0);
        assertEquals(-1.0, r.apMedium(), 0.0);
        assertEquals(1.0, r.ar1(), 0.0);
        assertEquals(1.0, r.ar100(), 0.0);
        assertEquals(1.0, r.arLarge(), 0.0);
        assertEquals(-1.0, r.arSmall(), 0.0);
    }

    @Test
    void sevenOfTenFoundGives70Over101() {
        // 10 images, 1 GT each, perfect detections on 7: rc = .1..7, pr ~1. Recall points r_0..r_69 <= 0.7 -> ~1,
        // r_70 = 0.7000000000000001 .. r_100 unreached -> 0.  AP = 70/101 at every IoU; AR = .7.
        List<Annotation> anns = new ArrayList<>();
        List<Long> images = new ArrayList<>();
        List<Detection> dets = new ArrayList<>();
        for (long i = 1; i <= 10; i++) {
            images.add(i);
            anns.add(box(i, i, 1, 0));
            if (i <= 7) {
                dets.add(det(i, 1, 0, 0, 100, 100, .9));
            }
        }
        Result r = CocoEvaluator.evaluate(new GroundTruth(images, List.of(1L), anns), dets);
        assertEquals(70.0 / 101, r.ap(), TOL);
        assertEquals(70.0 / 101, r.ap75(), TOL);
        assertEquals(0.7, r.ar100(), TOL);
        assertEquals(0.7, r.ar1(), TOL);
    }

    @Test
    void crowdRegionsAbsorbDetectionsWithoutCountingAndUseDetectionArea() {
        // A = [0,0,100,100] regular; C = [200,0,200,200] crowd. d2 (.95) = [210,10,50,50] and d3 (.9) = [260,60,50,50]
        // lie inside C: IoU = inter/det area = 2500/2500 = 1 (a plain IoU would be 2500/40000). d1 (.8) = A.
        // Sequence: d2 ignored, d3 ignored (a crowd is matched many times), d1 TP -> rc 0,0,1, pr 0,0,~1 -> AP ~1.
        // (Counting d2, d3 as FPs would give pr 1/3 -> AP 1/3.)
        // maxDets applies before ignoring: the top-1 detection is d2 (ignored) -> AR1 = 0; AR10 = 1.
        GroundTruth g = gt(List.of(1L), List.of(1L), box(1, 1, 1, 0), ann(2, 1, 1, 200, 0, 200, 200, 40000, true));
        Result r = CocoEvaluator.evaluate(g, List.of(det(1, 1, 210, 10, 50, 50, .95), det(1, 1, 260, 60, 50, 50, .9),
                det(1, 1, 0, 0, 100, 100, .8)));
        assertEquals(1.0, r.ap(), 1e-14);
        assertEquals(0.0, r.ar1(), 0.0);
        assertEquals(1.0, r.ar10(), 0.0);
        assertEquals(1.0, r.apLarge(), 1e-14);
        assertEquals(-1.0, r.apMedium(), 0.0); // A (10000) is out of medium, C is a crowd: no GT counts
    }

    @Test
    void aRegularMatchIsKeptOverABetterCrowdMatch() {
        // A = [0,0,100,100] regular; C = [0,0,200,200] crowd; d = [0,0,100,62]: IoU(A) = 6200/10000 = .62,
        // IoU(C) = 6200/6200 = 1. GTs are ordered regular first and the scan stops at ignored GTs once a regular
        // one matched: thresholds .50, .55, .60 -> TP (AP ~1, recall 1); .65 ... .95 -> A fails, d goes to C and is
        // ignored (rc 0, pr 0 -> AP 0, recall 0).  AP = 3/10, AP50 ~1, AP75 = 0, AR100 = .3.
        GroundTruth g = gt(List.of(1L), List.of(1L), box(1, 1, 1, 0), ann(2, 1, 1, 0, 0, 200, 200, 40000, true));
        Result r = CocoEvaluator.evaluate(g, List.of(det(1, 1, 0, 0, 100, 62, .9)));
        assertEquals(0.3, r.ap(), TOL);
        assertEquals(1.0, r.ap50(), 1e-14);
        assertEquals(0.0, r.ap75(), 0.0);
        assertEquals(0.3, r.ar100(), TOL);
    }

    @Test
    void areaBoundariesAreInclusiveAtBothEnds() {
        // Image 1: g1 area exactly 32^2 = 1024, found. Image 2: g2 area exactly 96^2 = 9216, not found.
        // small  [0, 1024]:    g1 in, g2 out -> 1 of 1 found -> AP ~1, AR 1   (exclusive upper end: no GT -> -1)
        // medium [1024, 9216]: both in -> rc .5, pr ~1 -> r_0..r_50 (51 points) -> AP 51/101, AR .5
        // large  [9216, 1e10]: g2 in, g1 out; the detection matched g1 and inherits its ignore -> AP 0, AR 0
        // all: as medium -> 51/101 and .5
        GroundTruth g = gt(List.of(1L, 2L), List.of(1L), ann(1, 1, 1, 0, 0, 32, 32, 1024, false), ann(2, 2, 1, 0, 0, 96, 96, 9216, false));
        Result r = CocoEvaluator.evaluate(g, List.of(det(1, 1, 0, 0, 32, 32, .9)));
        assertEquals(1.0, r.apSmall(), 1e-14);
        assertEquals(1.0, r.arSmall(), 0.0);
        assertEquals(51.0 / 101, r.apMedium(), TOL);
        assertEquals(0.5, r.arMedium(), 0.0);
        assertEquals(0.0, r.apLarge(), 0.0);
        assertEquals(0.0, r.arLarge(), 0.0);
        assertEquals(51.0 / 101, r.ap(), TOL);
        assertEquals(0.5, r.ar100(), 0.0);
    }

    @Test
    void anIgnoredRegularGtIsStillMatchedOnlyOnce() {
        // Small range [0, 1024]. g: bbox [0,0,40,40], area field 2000 -> ignored for small. s: [100,100,20,20], area 400.
        // d1 (.9) and d2 (.8) = [0,0,32,32], area 1024 (inside small), IoU with g = 1024/1600 = .64; d3 (.7) = s.
        // t = .50,.55,.60: d1 matches g -> ignored; g is taken (not a crowd) so d2 is unmatched and, being inside
        //   the range, a FP; d3 TP -> pr 0, 0, .5 at rc 0, 0, 1 -> envelope .5 -> AP_t = .5
        // t = .65...95: d1 and d2 both unmatched FPs, d3 TP -> pr 1/3 at the end -> AP_t = 1/3
        // APs = (3 * .5 + 7 * 1/3) / 10 = (1.5 + 2.3333) / 10 = 0.38333
        GroundTruth g = gt(List.of(1L), List.of(1L), ann(1, 1, 1, 0, 0, 40, 40, 2000, false), ann(2, 1, 1, 100, 100, 20, 20, 400, false));
        Result r = CocoEvaluator.evaluate(g, List.of(det(1, 1, 0, 0, 32, 32, .9), det(1, 1, 0, 0, 32, 32, .8), det(1, 1, 100, 100, 20, 20, .7)));
        assertEquals((1.5 + 7.0 / 3) / 10, r.apSmall(), TOL);
    }

    @Test
    void greedyMatchingFollowsScoreNotIou() {
        // GT [0,0,100,100]; d1 (.9) = [0,0,62,100], IoU .62; d2 (.8) exact.
        // t = .50,.55,.60: d1 takes the GT, d2 FP -> pr ~1, .5 at rc 1, 1 -> AP ~1
        // t = .65..95:     d1 FP, d2 TP -> pr 0, .5 at rc 0, 1 -> envelope .5 everywhere -> AP .5
        // AP = (3*1 + 7*.5)/10 = .65; AP75 = .5; AR100 = 1; AR1 (d1 only) = 3/10.
        Result r = CocoEvaluator.evaluate(gt(List.of(1L), List.of(1L), box(1, 1, 1, 0)),
                List.of(det(1, 1, 0, 0, 62, 100, .9), det(1, 1, 0, 0, 100, 100, .8)));
        assertEquals(0.65, r.ap(), TOL);
        assertEquals(1.0, r.ap50(), 1e-14);
        assertEquals(0.5, r.ap75(), TOL);
        assertEquals(1.0, r.ar100(), 0.0);
        assertEquals(0.3, r.ar1(), TOL);
    }

    @Test
    void categoriesWithoutGroundTruthAreLeftOutAndUnknownCategoriesDropped() {
        // cat 1: found (~1); cat 2: not found (0); cat 3: only a detection, no GT -> -1, excluded; cat 99 is not in
        // the ground truth: its detection (exactly on cat 2's GT) is dropped.  AP = (1 + 0)/2 = .5, AR100 = .5.
        GroundTruth g = gt(List.of(1L), List.of(1L, 2L, 3L), box(1, 1, 1, 0), box(2, 1, 2, 200));
        Result r = CocoEvaluator.evaluate(g, List.of(det(1, 1, 0, 0, 100, 100, .9), det(1, 3, 0, 0, 10, 10, .9),
                det(1, 99, 200, 0, 100, 100, .9)));
        assertEquals(0.5, r.ap(), TOL);
        assertEquals(0.5, r.ar100(), TOL);
    }

    @Test
    void onlyTheTop100DetectionsPerImageAndCategoryCount() {
        // 100 misses at score .9 then the perfect box at .5: the hit is cut -> AP 0, AR100 0 (it would be 1).
        List<Detection> dets = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            dets.add(det(1, 1, 500, 500, 10, 10, .9));
        }
        dets.add(det(1, 1, 0, 0, 100, 100, .5));
        Result r = CocoEvaluator.evaluate(gt(List.of(1L), List.of(1L), box(1, 1, 1, 0)), dets);
        assertEquals(0.0, r.ap(), 0.0);
        assertEquals(0.0, r.ar100(), 0.0);
    }

    @Test
    void tiedScoresAcrossImagesFollowImageIdOrder() {
        // Images 1 and 2 (listed 2, 1), one GT each. Score .9 ties: a hit on image 2 (given first) and a miss on
        // image 1. Concatenated by ascending image id: miss, hit -> rc 0, .5; pr 0, .5 -> envelope .5 on r_0..r_50
        // -> AP = 51 * .5 / 101 = 25.5/101.  (hit first would give 51/101.)
        GroundTruth g = gt(List.of(2L, 1L), List.of(1L), box(1, 1, 1, 0), box(2, 2, 1, 0));
        Result r = CocoEvaluator.evaluate(g, List.of(det(2, 1, 0, 0, 100, 100, .9), det(1, 1, 300, 300, 50, 50, .9)));
        assertEquals(25.5 / 101, r.ap(), TOL);
        assertEquals(0.5, r.ar100(), 0.0);
    }

    @Test
    void emptyDetectionsGiveZeroWhereThereIsGroundTruth() {
        Result r = CocoEvaluator.evaluate(gt(List.of(1L), List.of(1L), box(1, 1, 1, 0)), List.of());
        assertEquals(0.0, r.ap(), 0.0);
        assertEquals(0.0, r.ar100(), 0.0);
        assertEquals(-1.0, r.apSmall(), 0.0);
    }

    @Test
    void aGtWithIdZeroCannotBeATruePositive() {
        // pycocotools records the matched GT id and tests it for non-zero: the exact hit on GT id 0 is a FP.
        Result r = CocoEvaluator.evaluate(gt(List.of(1L), List.of(1L), box(0, 1, 1, 0)), List.of(det(1, 1, 0, 0, 100, 100, .9)));
        assertEquals(0.0, r.ap(), 0.0);
    }

    @Test
    void detectionOnUnknownImageIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CocoEvaluator.evaluate(gt(List.of(1L), List.of(1L), box(1, 1, 1, 0)), List.of(det(7, 1, 0, 0, 1, 1, .9))));
        assertTrue(e.getMessage().contains("image_id 7"), e.getMessage());
    }
}
