package dev.tdsr.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tdsr.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}: one JSON object per line, flushed at once (a crash loses at most the line being written).
 * On resume from step s, lines of steps after s (written after that checkpoint) are dropped first, so the file reads
 * as one uninterrupted run.
 */
public final class MetricsLog implements AutoCloseable {
    static final String FILE = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    MetricsLog(Path runDir, long resumedStep) throws IOException {
        Path file = runDir.resolve(FILE);
        if (resumedStep > 0 && Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    if (JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= resumedStep) {
                        kept.add(line);
                    }
                } catch (IOException torn) {
                    // a line cut by a crash: drop it
                }
            }
            AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        } else if (resumedStep == 0) {
            Files.deleteIfExists(file);
        }
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    void step(StepMetrics m) throws IOException {
        line(JSON.writeValueAsString(m));
    }

    void eval(long step, Map<String, Object> metrics) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put("eval", metrics);
        line(JSON.writeValueAsString(m));
    }

    private void line(String json) throws IOException {
        out.write(json);
        out.write('\n');
        out.flush();
    }

    /** Reads a metrics file back: every line as a JSON tree (tests, the study). */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
