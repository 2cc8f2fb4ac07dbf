package dev.tdsr.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * {@code report.html}: the report's blocks as one self-contained page (PNG pictures embedded as base64 data URIs,
 * styling inline, no JavaScript), readable offline and mailable as a single file.
 */
public final class HtmlReport {
    private HtmlReport() {}

    private static final String STYLE = """
            body { font: 16px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
                   color: #1f2328; max-width: 1200px; margin: 2em auto; padding: 0 1em; }
            h1 { font-size: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: .3em; }
            h2 { font-size: 1.35em; margin-top: 2em; border-bottom: 1px solid #d0d7de; padding-bottom: .2em; }
            .wrap { overflow-x: auto; margin: 1em 0 1.5em; }
            table { border-collapse: collapse; font-size: .9em; font-variant-numeric: tabular-nums; }
            caption { text-align: left; font-weight: 600; padding-bottom: .4em; }
            th, td { border: 1px solid #d0d7de; padding: .3em .6em; text-align: left; white-space: nowrap; }
            .num { text-align: right; }
            thead th { background: #f6f8fa; }
            tbody tr:nth-child(even) { background: #fafbfc; }
            figure { margin: 1.5em 0; }
            figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; }
            figcaption { color: #57606a; font-size: .9em; }
            """;

    /** Renders the blocks; pictures are read from {@code baseDir} (the output folder) and embedded. */
    public static String render(List<ReportDocument.Block> blocks, Path baseDir) throws IOException {
        StringBuilder sb = new StringBuilder();
        String title = blocks.stream().filter(b -> b instanceof ReportDocument.Heading).findFirst()
                .map(b -> ((ReportDocument.Heading) b).text()).orElse("TDSR study");
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
        for (ReportDocument.Block b : blocks) {
            if (b instanceof ReportDocument.Heading h) {
                sb.append("<h").append(h.level()).append('>').append(escape(h.text())).append("</h")
                        .append(h.level()).append(">\n");
            } else if (b instanceof ReportDocument.Paragraph p) {
                sb.append("<p>").append(escape(p.text())).append("</p>\n");
            } else if (b instanceof ReportDocument.Bullets l) {
                sb.append("<ul>\n");
                l.items().forEach(i -> sb.append("<li>").append(escape(i)).append("</li>\n"));
                sb.append("</ul>\n");
            } else if (b instanceof ReportDocument.TableBlock t) {
                table(sb, t.table());
            } else if (b instanceof ReportDocument.Picture p) {
                byte[] png = Files.readAllBytes(baseDir.resolve(p.file()));
                sb.append("<figure><img alt=\"").append(escape(p.caption())).append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(png)).append("\"><figcaption>")
                        .append(escape(p.caption())).append("</figcaption></figure>\n");
            }
        }
        return sb.append("</body>\n</html>\n").toString();
    }

    private static void table(StringBuilder sb, Table t) {
        sb.append("<div class=\"wrap\"><table>\n<caption>").append(escape(t.caption())).append("</caption>\n<thead><tr>");
        for (int c = 0; c < t.header().size(); c++) {
            sb.append(t.numeric(c) ? "<th class=\"num\">" : "<th>").append(escape(t.header().get(c))).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (List<String> r : t.rows()) {
            sb.append("<tr>");
            for (int c = 0; c < r.size(); c++) {
                sb.append(t.numeric(c) ? "<td class=\"num\">" : "<td>").append(escape(r.get(c))).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody></table></div>\n");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
