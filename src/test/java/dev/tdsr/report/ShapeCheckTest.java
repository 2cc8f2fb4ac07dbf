package dev.tdsr.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShapeCheckTest {
    @Test
    void paperNumbersHoldEverywhere() {
        List<ShapeCheck.Check> checks = ShapeCheck.run(PaperNumbers.table1(37.5));
        assertEquals(8, checks.size());
        checks.forEach(c -> assertEquals(ShapeCheck.Verdict.YES, c.verdict(), c.claim()));
        assertEquals(ShapeCheck.Verdict.YES, ShapeCheck.overall(checks));
        String md = MarkdownReport.render(ReportDocument.build(PaperNumbers.table1(37.5), List.of(), List.of()));
        assertTrue(md.contains("Overall: yes."), md);
        assertTrue(md.contains("Nothing failed."), md);
        assertTrue(md.contains("| ×4 | TDSR > SR-FT+ in VOC07 mAP | TDSR = 62.2 % | SR-FT+ = 53.6 % | yes |"), md);
        assertTrue(md.contains("| ×8 | TDSR < SR-FT in PSNR-Y | TDSR = 22.26 dB | SR-FT = 22.77 dB | yes |"), md);
    }

    @Test
    void tdsrBelowSrFtPlusAt8xIsANo() {
        StudyResults r = PaperNumbers.table1(20.0);
        List<ShapeCheck.Check> checks = ShapeCheck.run(r);
        ShapeCheck.Check c = checks.get(4); // x8, TDSR > SR-FT+
        assertEquals(8, c.scale());
        assertEquals(ShapeCheck.Verdict.NO, c.verdict());
        assertEquals(0.20, c.leftValue(), 1e-12);
        assertEquals(0.229, c.rightValue(), 1e-12);
        assertEquals(ShapeCheck.Verdict.NO, ShapeCheck.overall(checks));
        // only that one fails: x4 and the other x8 checks still hold
        assertEquals(7, checks.stream().filter(k -> k.verdict() == ShapeCheck.Verdict.YES).count());
        String md = MarkdownReport.render(ReportDocument.build(r, List.of(), List.of()));
        assertTrue(md.contains("Overall: no."), md);
        assertTrue(md.contains("- ×8: TDSR > SR-FT+ in VOC07 mAP fails: TDSR 20.0 % vs SR-FT+ 22.9 %"), md);
    }

    /** A scale with an SRGAN row gets a fifth check, TDSR > SRGAN in mAP; one without keeps its four (above). */
    @Test
    void srganRowAddsTdsrAboveSrgan() {
        List<MethodResult> rows = new ArrayList<>(PaperNumbers.scale(8, PaperNumbers.X8).methods());
        // made-up SRGAN numbers (not the paper's): first above TDSR's 37.5 %, then below
        rows.add(3, PaperNumbers.row(Method.SRGAN, 20.0, 40.0));
        List<ShapeCheck.Check> above = ShapeCheck.run(new StudyResults(null, List.of(new ScaleResult(8, rows))));
        assertEquals(5, above.size());
        ShapeCheck.Check c = above.get(4);
        assertEquals("TDSR > SRGAN in VOC07 mAP", c.claim());
        assertEquals(ShapeCheck.Verdict.NO, c.verdict());
        assertEquals(0.40, c.rightValue(), 1e-12);
        assertEquals(ShapeCheck.Verdict.NO, ShapeCheck.overall(above));
        rows.set(3, PaperNumbers.row(Method.SRGAN, 20.0, 12.0));
        List<ShapeCheck.Check> below = ShapeCheck.run(new StudyResults(null, List.of(new ScaleResult(8, rows))));
        assertEquals(ShapeCheck.Verdict.YES, below.get(4).verdict());
        assertEquals(ShapeCheck.Verdict.YES, ShapeCheck.overall(below));
    }

    @Test
    void tieCountsForAtLeastButNotForStrict() {
        List<MethodResult> rows = new ArrayList<>(PaperNumbers.scale(4, PaperNumbers.X4).methods());
        rows.set(5, PaperNumbers.row(Method.SR_FT_PLUS, 26.72, 52.6)); // SR-FT+ == SR-FT
        rows.set(6, PaperNumbers.row(Method.TDSR, 26.65, 62.2));        // TDSR PSNR == SR-FT PSNR
        List<ShapeCheck.Check> checks = ShapeCheck.run(new StudyResults(null, List.of(new ScaleResult(4, rows))));
        assertEquals(ShapeCheck.Verdict.YES, checks.get(1).verdict(), checks.get(1).claim());
        assertEquals(ShapeCheck.Verdict.NO, checks.get(3).verdict(), checks.get(3).claim());
    }

    @Test
    void missingRowIsNotAYes() {
        List<MethodResult> rows = new ArrayList<>(PaperNumbers.scale(4, PaperNumbers.X4).methods());
        rows.removeIf(m -> m.method() == Method.BICUBIC);
        List<ShapeCheck.Check> checks = ShapeCheck.run(new StudyResults(null, List.of(new ScaleResult(4, rows))));
        assertEquals(ShapeCheck.Verdict.MISSING, checks.get(2).verdict());
        assertEquals(ShapeCheck.Verdict.MISSING, ShapeCheck.overall(checks));
    }

    @Test
    void cocoStudyComparesCocoAp() {
        MethodResult bic = new MethodResult(Method.BICUBIC, 25.0, null, null, null, null, null,
                CocoSummary.of(0.081, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 1);
        MethodResult ft = new MethodResult(Method.SR_FT, 26.0, null, null, null, null, null,
                CocoSummary.of(0.137, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 1);
        ShapeCheck.Check c = ShapeCheck.run(new StudyResults(null, List.of(new ScaleResult(4, List.of(bic, ft)))))
                .get(2);
        assertEquals("SR-FT > Bicubic in COCO AP", c.claim());
        assertEquals(ShapeCheck.Verdict.YES, c.verdict());
    }

    @Test
    void resamplesSayHowOftenARelationHoldsAndTheReportNamesTheCloseOnes() {
        List<MethodResult> rows = new ArrayList<>(PaperNumbers.scale(4, PaperNumbers.X4).methods());
        double[] ftPlus = {0.53, 0.54, 0.52, 0.55};
        double[] ft = {0.52, 0.55, 0.51, 0.54};     // SR-FT+ >= SR-FT in 3 of 4
        double[] tdsr = {0.62, 0.63, 0.61, 0.64};   // TDSR > SR-FT+ in all
        for (int i = 0; i < rows.size(); i++) {
            MethodResult m = rows.get(i);
            double[] r = switch (m.method()) {
                case SR_FT_PLUS -> ftPlus;
                case SR_FT -> ft;
                case TDSR -> tdsr;
                default -> null;
            };
            if (r != null) {
                rows.set(i, m.withMap07Resamples(r));
            }
        }
        StudyResults results = new StudyResults(null, List.of(new ScaleResult(4, rows)));
        List<ShapeCheck.Check> checks = ShapeCheck.run(results);
        assertEquals(1.0, checks.get(0).support(), 0.0);
        assertEquals(0.75, checks.get(1).support(), 0.0);
        assertEquals(null, checks.get(2).support(), "Bicubic has no resamples");
        assertEquals(null, checks.get(3).support(), "PSNR is not resampled");
        String md = MarkdownReport.render(ReportDocument.build(results, List.of(), List.of()));
        assertTrue(md.contains("| ×4 | TDSR > SR-FT+ in VOC07 mAP | TDSR = 62.2 % | SR-FT+ = 53.6 % | yes | 100.0 % |"),
                md);
        assertTrue(md.contains("share of 4 paired bootstrap resamples"), md);
        assertTrue(md.contains("- ×4: SR-FT+ >= SR-FT in VOC07 mAP (yes here, holds in 75.0 % of the resamples)"), md);
        assertTrue(!md.contains("- ×4: TDSR > SR-FT+ in VOC07 mAP (yes here"), md);
    }

    @Test
    void allZeroMapIsUndeterminedNotAYes() {
        List<MethodResult> rows = new ArrayList<>();
        for (MethodResult m : PaperNumbers.scale(4, PaperNumbers.X4).methods()) {
            rows.add(PaperNumbers.row(m.method(), m.psnrY(), 0.0));
        }
        StudyResults r = new StudyResults(null, List.of(new ScaleResult(4, rows)));
        List<ShapeCheck.Check> checks = ShapeCheck.run(r);
        for (int i = 0; i < 3; i++) {
            assertEquals(ShapeCheck.Verdict.UNDETERMINED, checks.get(i).verdict(), checks.get(i).claim());
            assertEquals(null, checks.get(i).support());
        }
        assertEquals(ShapeCheck.Verdict.YES, checks.get(3).verdict(), "PSNR is still compared");
        assertEquals(ShapeCheck.Verdict.UNDETERMINED, ShapeCheck.overall(checks));
        String md = MarkdownReport.render(ReportDocument.build(r, List.of(), List.of()));
        assertTrue(md.contains("Overall: undetermined."), md);
        assertTrue(md.contains("is undetermined (every detection score at this scale is 0)"), md);
        assertTrue(!md.contains("| yes | 100.0 %"), md);
    }

    @Test
    void aSmokeRunSaysSoInItsHeader() {
        StudyResults paper = PaperNumbers.table1(37.5);
        for (String name : new String[] {"quick", "default"}) {
            RunMetadata m = new RunMetadata("v", 1, "cpu", "synthetic", name,
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), "2026-12-01T10:00:00Z",
                    60, 1, null, List.of());
            String md = MarkdownReport.render(ReportDocument.build(new StudyResults(m, paper.scales()), List.of(),
                    List.of()));
            boolean smoke = name.equals("quick");
            assertEquals(smoke, md.contains("This is a smoke run (config 'quick')"), md);
            assertEquals(smoke, md.contains("(a smoke run: not a test of the paper)"), md);
            assertTrue(md.indexOf("Does the paper's shape hold?") > (smoke ? md.indexOf("smoke run") : -1), md);
        }
    }
}
