package dev.tdsr.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.eval.VocEvaluator.Box;
import dev.tdsr.eval.VocEvaluator.Detection;
import dev.tdsr.eval.VocEvaluator.GtImage;
import dev.tdsr.eval.VocEvaluator.GtObject;
import dev.tdsr.eval.VocEvaluator.Options;
import dev.tdsr.eval.VocEvaluator.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-computed VOC AP cases; every expected value is derived in the comment above it. */
class VocEvaluatorTest {
    private static final double TOL = 1e-12;

    private static GtObject obj(String cls, double x1, double y1, double x2, double y2, boolean difficult) {
        return new GtObject(cls, new Box(x1, y1, x2, y2), difficult);
    }

    private static Detection det(String image, String cls, double score, double x1, double y1, double x2, double y2) {
        return new Detection(image, cls, score, new Box(x1, y1, x2, y2));
    }

    private static Result cat(List<GtImage> images, List<Detection> dets) {
        return VocEvaluator.evaluate(List.of("cat"), images, dets, Options.VOC_EVAL);
    }

    @Test
    void duplicateDetectionIsAFalsePositive() {
        // Two GTs; d1 hits G1, d2 hits G1 again (duplicate -> FP), d3 hits G2.
        // tp = 1,1,2  fp = 0,1,1  rec = .5,.5,1  prec = 1,.5,2/3
        // 11-point: t = 0,.1,.2,.3,.4,.5 (6 points) -> 1; t = .6..1 (5 points) -> 2/3; (6 + 10/3)/11 = 28/33
        // all points: envelope 1,1,2/3,2/3 -> .5*1 + .5*2/3 = 5/6
        List<GtImage> gt = List.of(new GtImage("a", List.of(obj("cat", 1, 1, 10, 10, false), obj("cat", 21, 1, 30, 10, false))));
        Result r = cat(gt, List.of(det("a", "cat", .9, 1, 1, 10, 10), det("a", "cat", .8, 1, 1, 10, 10), det("a", "cat", .7, 21, 1, 30, 10)));
        assertEquals(28.0 / 33, r.get("cat").ap07(), TOL);
        assertEquals(5.0 / 6, r.get("cat").ap(), TOL);
        assertEquals(2, r.get("cat").npos());
    }

    @Test
    void detectionWhoseBestGtIsTakenIsFalsePositiveEvenIfAnotherGtOverlaps() {
        // G1 = [1,1,10,10], G2 = [3,1,12,10]. Both detections equal G1: IoU 1 with G1, and with G2
        // inter 8*10 = 80, union 100+100-80 = 120 -> .667 >= .5. d2's best is G1 (taken) -> FP, G2 stays free.
        // rec = .5,.5  prec = 1,.5  -> 11-point: t = 0..0.5 (6 points) at 1, rest 0 -> 6/11; all points .5*1 = .5
        List<GtImage> gt = List.of(new GtImage("a", List.of(obj("cat", 1, 1, 10, 10, false), obj("cat", 3, 1, 12, 10, false))));
        Result r = cat(gt, List.of(det("a", "cat", .9, 1, 1, 10, 10), det("a", "cat", .8, 1, 1, 10, 10)));
        assertEquals(6.0 / 11, r.get("cat").ap07(), TOL);
        assertEquals(0.5, r.get("cat").ap(), TOL);
    }

    @Test
    void tiedScoresKeepInputOrder() {
        // One GT; a FP and a TP with the same score 0.5.
        // FP first: rec = 0,1  prec = 0,.5 -> every t's best precision is .5 -> 11-point .5; all points 1*.5 = .5
        // TP first: rec = 1,1  prec = 1,.5 -> 1 and 1
        List<GtImage> gt = List.of(new GtImage("a", List.of(obj("cat", 1, 1, 10, 10, false))));
        Detection fp = det("a", "cat", .5, 50, 50, 60, 60);
        Detection tp = det("a", "cat", .5, 1, 1, 10, 10);
        Result fpFirst = cat(gt, List.of(fp, tp));
        assertEquals(0.5, fpFirst.get("cat").ap07(), TOL);
        assertEquals(0.5, fpFirst.get("cat").ap(), TOL);
        Result tpFirst = cat(gt, List.of(tp, fp));
        assertEquals(1.0, tpFirst.get("cat").ap07(), TOL);
        assertEquals(1.0, tpFirst.get("cat").ap(), TOL);
    }

    @Test
    void difficultObjectsAreNeitherCountedNorPenalised() {
        // G1 difficult, G2 normal: npos = 1. d1 on G1 ignored, d2 on G2 TP, d3 on G1 again ignored (G1 never marked).
        // tp = 0,1,1  fp = 0,0,0  rec = 0,1,1  prec = 0,1,1 -> 11-point 1 (rec 1 reaches every t), all points 1*1 = 1
        List<GtImage> gt = List.of(new GtImage("a", List.of(obj("cat", 1, 1, 10, 10, true), obj("cat", 31, 1, 40, 10, false))));
        Result r = cat(gt, List.of(det("a", "cat", .9, 1, 1, 10, 10), det("a", "cat", .8, 31, 1, 40, 10), det("a", "cat", .7, 1, 1, 10, 10)));
        assertEquals(1, r.get("cat").npos());
        assertEquals(1.0, r.get("cat").ap07(), TOL);
        assertEquals(1.0, r.get("cat").ap(), TOL);
    }

    @Test
    void detectionWhoseBestGtIsDifficultIsIgnoredEvenIfANormalGtOverlaps() {
        // G1 = [1,1,10,10] difficult, G2 = [2,1,11,10] normal (IoU with G1: 90/110 = .82), G3 far, normal: npos = 2.
        // d1 = G1 exactly: best is G1 (1.0 > .82), difficult -> ignored. d2 on G3 -> TP.
        // tp = 0,1  fp = 0,0  rec = 0,.5  prec = 0,1 -> 11-point: t = 0..0.5 (6 points) at 1 -> 6/11; all points .5
        // (Matching d1 to G2 would give 1 and 1; counting it as FP would give 3/11 and .25.)
        List<GtImage> gt = List.of(new GtImage("a", List.of(obj("cat", 1, 1, 10, 10, true), obj("cat", 2, 1, 11, 10, false),
                obj("cat", 51, 1, 60, 10, false))));
        Result r = cat(gt, List.of(det("a", "cat", .9, 1, 1, 10, 10), det("a", "cat", .8, 51, 1, 60, 10)));
        assertEquals(2, r.get("cat").npos());
        assertEquals(6.0 / 11, r.get("cat").ap07(), TOL);
        assertEquals(0.5, r.get("cat").ap(), TOL);
    }

    @Test
    void plusOnePixelIouAndTheStrictThreshold() {
        // GT [1,1,10,10], det [1,1,10,5].
        // +1 convention: inter = (10-1+1)*(5-1+1) = 50, union = 50 + 100 - 50 = 100 -> IoU exactly 0.5
        // continuous:    inter = 9*4 = 36, union = 36 + 81 - 36 = 81 -> 36/81 = .444
        Box g = new Box(1, 1, 10, 10);
        Box d = new Box(1, 1, 10, 5);
        assertEquals(0.5, VocEvaluator.iou(d, g, true), 0.0);
        assertEquals(36.0 / 81, VocEvaluator.iou(d, g, false), TOL);
        List<GtImage> gt = List.of(new GtImage("a", List.of(new GtObject("cat", g, false))));
        List<Detection> dets = List.of(new Detection("a", "cat", .9, d));
        // voc_eval: 0.5 > 0.5 is false -> FP -> AP 0; devkit: 0.5 >= 0.5 -> TP -> AP 1; >= without +1: .444 -> FP
        assertEquals(0.0, VocEvaluator.evaluate(List.of("cat"), gt, dets, Options.VOC_EVAL).get("cat").ap(), 0.0);
        assertEquals(1.0, VocEvaluator.evaluate(List.of("cat"), gt, dets, Options.DEVKIT).get("cat").ap(), TOL);
        assertEquals(0.0, VocEvaluator.evaluate(List.of("cat"), gt, dets, new Options(0.5, true, false)).get("cat").ap(), 0.0);
    }

    @Test
    void recallExactlyOnAnElevenPointSampleDoesNotReachTheFloatingPoint() {
        // 10 images with one GT each (npos = 10). 7 TPs, then 1 FP, then 1 TP.
        // rec = .1,...,.7, .7, .8   prec = 1 (x7), 7/8, 8/9
        // The sample points are i*0.1: 0.30000000000000004, 0.6000000000000001, 0.7000000000000001 sit one ulp above
        // 3/10, 6/10, 7/10, while 0.8 == 8/10.
        //   t = 0, .1, .2, .3+, .4, .5, .6+  -> some rec >= t with prec 1 -> 7 points of 1
        //   t = .7+ -> only rec = .8 reaches it -> 8/9;  t = .8 -> 8/9;  t = .9, 1 -> 0
        //   11-point = (7 + 16/9) / 11 = 79/99   (it would be (8 + 8/9)/11 if 7/10 reached the 0.7 point)
        // all points: envelope 1 up to rec .7, 8/9 at .8 -> .7*1 + .1*8/9 = 71/90
        List<GtImage> gt = new ArrayList<>();
        List<Detection> dets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            gt.add(new GtImage("im" + i, List.of(obj("cat", 1, 1, 10, 10, false))));
        }
        for (int i = 0; i < 7; i++) {
            dets.add(det("im" + i, "cat", 0.99 - 0.01 * i, 1, 1, 10, 10));
        }
        dets.add(det("im0", "cat", 0.5, 100, 100, 120, 120));
        dets.add(det("im7", "cat", 0.4, 1, 1, 10, 10));
        Result r = cat(gt, dets);
        assertEquals(79.0 / 99, r.get("cat").ap07(), TOL);
        assertEquals(71.0 / 90, r.get("cat").ap(), TOL);
    }

    @Test
    void classesWithoutDetectionsCountAndClassesWithoutGroundTruthDoNot() {
        // cat: one GT, one exact detection -> 1.  dog: one GT, no detection -> 0.  bird: a detection but no GT ->
        // undefined (NaN), left out: mAP = (1 + 0)/2 = .5 for both metrics.
        List<GtImage> gt = List.of(new GtImage("a", List.of(obj("cat", 1, 1, 10, 10, false), obj("dog", 21, 1, 30, 10, false))));
        Result r = VocEvaluator.evaluate(List.of("cat", "dog", "bird"), gt,
                List.of(det("a", "cat", .9, 1, 1, 10, 10), det("a", "bird", .8, 21, 1, 30, 10)), Options.VOC_EVAL);
        assertEquals(1.0, r.get("cat").ap(), TOL);
        assertEquals(0.0, r.get("dog").ap(), 0.0);
        assertEquals(0.0, r.get("dog").ap07(), 0.0);
        assertTrue(Double.isNaN(r.get("bird").ap()));
        assertTrue(Double.isNaN(r.get("bird").ap07()));
        assertEquals(0, r.get("bird").npos());
        assertEquals(1, r.get("bird").detections());
        assertEquals(0.5, r.map(), TOL);
        assertEquals(0.5, r.map07(), TOL);
    }

    @Test
    void noDetectionsAtAllGivesZero() {
        List<GtImage> gt = List.of(new GtImage("a", List.of(obj("cat", 1, 1, 10, 10, false))), new GtImage("b", List.of()));
        Result r = cat(gt, List.of());
        assertEquals(0.0, r.map(), 0.0);
        assertEquals(0.0, r.map07(), 0.0);
    }

    @Test
    void noClassWithGroundTruthGivesNaNMeans() {
        Result r = cat(List.of(new GtImage("a", List.of())), List.of(det("a", "cat", .9, 1, 1, 10, 10)));
        assertTrue(Double.isNaN(r.map()));
    }

    @Test
    void badDetectionsAreRejectedWithTheirImageOrClass() {
        List<GtImage> gt = List.of(new GtImage("a", List.of(obj("cat", 1, 1, 10, 10, false))));
        IllegalArgumentException unknownImage = assertThrows(IllegalArgumentException.class,
                () -> cat(gt, List.of(det("zz", "cat", .9, 1, 1, 10, 10))));
        assertTrue(unknownImage.getMessage().contains("'zz'"), unknownImage.getMessage());
        IllegalArgumentException unknownClass = assertThrows(IllegalArgumentException.class,
                () -> cat(gt, List.of(det("a", "cow", .9, 1, 1, 10, 10))));
        assertTrue(unknownClass.getMessage().contains("'cow'"), unknownClass.getMessage());
    }

    @Test
    void resampledMapEqualsEvaluatingTheDuplicatedImages() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        List<String> classes = List.of("a", "b");
        List<GtImage> images = new ArrayList<>();
        List<Detection> dets = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            List<GtObject> objects = new ArrayList<>();
            for (int k = 0; k < 1 + rnd.nextInt(3); k++) {
                double x = rnd.nextDouble(0, 200);
                double y = rnd.nextDouble(0, 200);
                String cls = classes.get(rnd.nextInt(2));
                objects.add(new GtObject(cls, new Box(x, y, x + 40, y + 40), rnd.nextInt(6) == 0));
                for (int j = 0; j < 2; j++) { // near hits, misses and duplicates, distinct scores
                    double dx = rnd.nextDouble(-15, 15);
                    dets.add(new Detection("im" + i, rnd.nextInt(4) == 0 ? "a" : cls, rnd.nextDouble(),
                            new Box(x + dx, y, x + dx + 40, y + 40)));
                }
            }
            images.add(new GtImage("im" + i, objects));
        }
        VocEvaluator.Matched matched = VocEvaluator.match(classes, images, dets, Options.VOC_EVAL);
        Result once = VocEvaluator.evaluate(classes, images, dets);
        assertEquals(once.map07(), matched.result().map07(), 0.0);
        int[][] counts = PairedBootstrap.counts(images.size(), 5, 11);
        for (int[] c : counts) {
            assertEquals(images.size(), java.util.Arrays.stream(c).sum());
            List<GtImage> dupImages = new ArrayList<>();
            List<Detection> dupDets = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                for (int k = 0; k < c[i]; k++) {
                    String id = images.get(i).imageId() + "#" + k;
                    dupImages.add(new GtImage(id, images.get(i).objects()));
                    for (Detection d : dets) {
                        if (d.imageId().equals(images.get(i).imageId())) {
                            dupDets.add(new Detection(id, d.className(), d.score(), d.box()));
                        }
                    }
                }
            }
            assertEquals(VocEvaluator.evaluate(classes, dupImages, dupDets).map07(), matched.map07(c), 1e-12);
        }
        assertTrue(java.util.Arrays.stream(PairedBootstrap.map07(matched, counts)).distinct().count() > 1,
                "resamples differ");
    }
}
