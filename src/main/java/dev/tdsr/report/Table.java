package dev.tdsr.report;

import java.util.List;

/** A table ready to render: every cell already formatted as text. */
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

    /** True when every cell of column {@code c} is a number or missing (such columns are right-aligned). */
    public boolean numeric(int c) {
        return rows.stream().allMatch(r -> r.get(c).matches("[-–+]?[0-9.]*"));
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
