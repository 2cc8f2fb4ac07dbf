package dev.tdsr.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTablesTest {
    private final StudyResults r = PaperNumbers.table1(37.5);

    @Test
    void table1HasPsnrMapAndWallTime() {
        Table t = Tables.quality(r.scales().get(0));
        assertEquals(List.of("Method", "PSNR-Y (dB)", "PSNR-RGB (dB)", "VOC07 mAP %", "mAP (all points) %",
                "Wall time (s)"), t.header());
        assertEquals(List.of("HR", "LR", "Bicubic", "SR", "SR-FT", "SR-FT+", "TDSR"),
                t.rows().stream().map(row -> row.get(0)).toList());
        assertEquals(List.of("TDSR", "24.06", "22.56", "62.2", "64.2", "12.0"), t.rows().get(6));
        assertEquals("–", t.cell("HR", "PSNR-Y (dB)"));
        assertEquals("75.8", t.cell("HR", "VOC07 mAP %"));
        assertEquals("11.2", Tables.quality(r.scales().get(1)).cell("Bicubic", "VOC07 mAP %"));
    }

    @Test
    void perClassAndCocoTables() {
        Table pc = Tables.perClass(r.scales().get(0));
        assertEquals(21, pc.header().size());
        assertEquals("70.6", pc.cell("TDSR", "aeroplane"));
        assertEquals("62.0", pc.cell("TDSR", "tvmonitor"));
        assertEquals("–", pc.cell("HR", "cat"));
        Table coco = Tables.coco(r.scales().get(0));
        assertEquals("16.7", coco.cell("TDSR", "AP"));
        assertEquals("30.2", coco.cell("TDSR", "AP50"));
        assertEquals("50.0", coco.cell("TDSR", "ARl"));
        assertEquals("–", coco.cell("LR", "AP"));
        assertNull(Tables.coco(new ScaleResult(4, List.of(PaperNumbers.row(Method.LR, null, 40)))));
    }

    @Test
    void markdownHasTheTablesPerScale() {
        String md = MarkdownReport.render(ReportDocument.build(r, List.of(), List.of()));
        assertTrue(md.contains("## Scale ×4"), md);
        assertTrue(md.contains("## Scale ×8"), md);
        assertTrue(md.contains("| Method | PSNR-Y (dB) | PSNR-RGB (dB) | VOC07 mAP % | mAP (all points) % | Wall time (s) |\n"
                + "|---|---:|---:|---:|---:|---:|\n| HR | – | – | 75.8 | 77.8 | 12.0 |"), md);
        assertTrue(md.contains("| TDSR | 22.26 | 20.76 | 37.5 | 39.5 | 12.0 |"), md);
        assertTrue(md.contains("| TDSR | 70.6 | 70.1 | 55.0 |"), md);
        assertTrue(md.contains("**×4: COCO detection (%)**"), md);
        assertTrue(md.contains("- Total wall time: 1 h 02 min 05 s"), md);
        assertFalse(md.contains("## Charts"), "no charts given, no charts section");
    }
}
