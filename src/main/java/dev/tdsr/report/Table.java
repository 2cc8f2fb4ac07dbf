package dev.tdsr.report;

import java.util.List;

/** A rendered-ready table: every cell already formatted as text; the first column is left-aligned, others right. */
public record Table(String caption, List<String> header, List<List<String>> rows) {
    public Table {
        header = List.copyOf(header);
        rows = rows.stream().map(List::copyOf).toList();
        for (List<String> r : rows) {
            if (r.size() != header.size()) {
                throw new IllegalArgumentException("table '" + caption + "': row " + r + " has " + r.size()
                        + " cells, header has " + header.size());
            }
        }
    }

    /** The cell in the row whose first cell is {@code rowKey}, under column {@code column}. */
    public String cell(String rowKey, String column) {
        int c = header.indexOf(column);
        if (c < 0) {
            throw new IllegalArgumentException("table '" + caption + "': no column " + column + " in " + header);
        }
        return rows.stream().filter(r -> r.get(0).equals(rowKey)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("table '" + caption + "': no row " + rowKey))
                .get(c);
    }
}
