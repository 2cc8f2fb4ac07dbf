package dev.tdsr.study;

import java.io.PrintWriter;
import java.io.Writer;

/**
 * A writer that hands whole lines to {@code out}, each behind {@code prefix}, so the logs of scales trained at the
 * same time stay readable ("[x8/tdsr] step 25/225 ..."). A partial line waits for its end (or for close).
 */
final class PrefixedLines extends Writer {
    private final PrintWriter out;
    private final String prefix;
    private final StringBuilder line = new StringBuilder();

    PrefixedLines(PrintWriter out, String prefix) {
        this.out = out;
        this.prefix = prefix;
    }

    @Override
    public synchronized void write(char[] chars, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (chars[i] == '\n') {
                emit();
            } else if (chars[i] != '\r') {
                line.append(chars[i]);
            }
        }
    }

    private void emit() {
        out.println(prefix + line); // one println: PrintWriter locks per call, so lines of two writers do not mix
        line.setLength(0);
    }

    @Override
    public synchronized void flush() {
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (line.length() > 0) {
            emit();
        }
        out.flush();
    }
}
