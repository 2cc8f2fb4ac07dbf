package dev.tdsr.report;

import java.util.List;

/** {@code report.md}: the report's blocks as GitHub-flavoured Markdown; pictures are links to the PNG files. */
public final class MarkdownReport {
    private MarkdownReport() {}

    public static String render(List<ReportDocument.Block> blocks) {
        StringBuilder sb = new StringBuilder();
        for (ReportDocument.Block b : blocks) {
            if (b instanceof ReportDocument.Heading h) {
                sb.append("#".repeat(h.level())).append(' ').append(h.text()).append("\n\n");
            } else if (b instanceof ReportDocument.Paragraph p) {
                sb.append(p.text()).append("\n\n");
            } else if (b instanceof ReportDocument.Bullets l) {
                l.items().forEach(i -> sb.append("- ").append(i).append('\n'));
                sb.append('\n');
            } else if (b instanceof ReportDocument.TableBlock t) {
                table(sb, t.table());
            } else if (b instanceof ReportDocument.Picture p) {
                String link = p.file().toString().replace('\\', '/');
                sb.append("![").append(p.caption()).append("](").append(link).append(")\n\n");
            }
        }
        return sb.toString();
    }

    static void table(StringBuilder sb, Table t) {
        sb.append("**").append(t.caption()).append("**\n\n");
        row(sb, t.header());
        for (int c = 0; c < t.header().size(); c++) {
            sb.append(t.numeric(c) ? "|---:" : "|---");
        }
        sb.append("|\n");
        t.rows().forEach(r -> row(sb, r));
        sb.append('\n');
    }

    private static void row(StringBuilder sb, List<String> cells) {
        sb.append('|');
        cells.forEach(c -> sb.append(' ').append(c.replace("|", "\\|")).append(" |"));
        sb.append('\n');
    }
}
