package dev.tdsr.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.engine.MemoryStats;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl}, the one owner of its format, written by the {@link Trainer} and read back by the report's
 * charts: one JSON object per line, a training line per step ({@link StepMetrics}: {@code {"step":..,"mse":..,
 * "loc":..,"conf":..,"loss":..,"lr":..,"stage":..,"seconds":..}}) and an evaluation line per evaluation
 * ({@code {"step":..,"eval":{"psnr_y":..,"map07":..}}}, the keys of {@link Evaluation#evaluate}).
 *
 * <p>Lines are flushed at once (a crash loses at most the line being written). On resume from step s, lines of steps
 * after s (written after that checkpoint) are dropped first, so the file reads as one uninterrupted run.
 */
public final class MetricsLog implements AutoCloseable {
    public static final String FILE = "metrics.jsonl";
    /** Evaluation keys of {@link PeriodicEvaluation}. */
    public static final String PSNR_Y = "psnr_y";
    public static final String PSNR_RGB = "psnr_rgb";
    public static final String MAP07 = "map07";
    public static final String COCO_AP = "coco_ap";
    private static final String EVAL = "eval";
    /** The key of the allocator lines written at checkpoints (the reader skips them). */
    static final String MEMORY = "memory";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter out;

    /** What a metrics file holds: the training lines and the evaluation lines, each in file order. */
    public record Contents(List<StepMetrics> steps, List<EvalPoint> evals) {
        public Contents {
            steps = List.copyOf(steps);
            evals = List.copyOf(evals);
        }
    }

    /** One evaluation line: its step and its numbers by key. */
    public record EvalPoint(long step, Map<String, Double> values) {
        public EvalPoint {
            values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }

        /** The number of {@code key}; NaN when the evaluation did not report it. */
        public double get(String key) {
            return values.getOrDefault(key, Double.NaN);
        }

        public double psnrY() {
            return get(PSNR_Y);
        }

        public double map07() {
            return get(MAP07);
        }
    }

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
        m.put(EVAL, metrics);
        line(JSON.writeValueAsString(m));
    }

    /**
     * The device allocator at a checkpoint: {"step", "memory": {allocated, reserved, peak_allocated, peak_reserved
     * (bytes), raw_allocations}}. A steady run's raw_allocations stop growing after its first steps.
     */
    void memory(long step, MemoryStats stats) throws IOException {
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("allocated", stats.allocatedBytes());
        mem.put("reserved", stats.reservedBytes());
        mem.put("peak_allocated", stats.peakAllocatedBytes());
        mem.put("peak_reserved", stats.peakReservedBytes());
        mem.put("raw_allocations", stats.rawAllocations());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put(MEMORY, mem);
        line(JSON.writeValueAsString(m));
    }

    private void line(String json) throws IOException {
        out.write(json);
        out.write('\n');
        out.flush();
    }

    /**
     * Reads a metrics file back. Lines without a numeric step, and keys it does not know, are ignored; a number absent
     * from a training line reads as NaN (the stage as 0). A broken last line is skipped (a run killed mid-write); a
     * broken line elsewhere is an IOException naming the file and line.
     */
    public static Contents read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<StepMetrics> steps = new ArrayList<>();
        List<EvalPoint> evals = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                if (i == lines.size() - 1) {
                    break;
                }
                throw new IOException(file + ":" + (i + 1) + ": expected one JSON object per line ("
                        + e.getOriginalMessage() + ")", e);
            }
            if (n == null || !n.isObject() || !n.path("step").isNumber()) {
                continue;
            }
            long step = n.get("step").asLong();
            JsonNode ev = n.get(EVAL);
            if (ev != null && ev.isObject()) {
                Map<String, Double> values = new LinkedHashMap<>();
                ev.fields().forEachRemaining(e -> values.put(e.getKey(), number(e.getValue())));
                evals.add(new EvalPoint(step, values));
            } else if (n.has("loss") || n.has("mse")) {
                steps.add(new StepMetrics(step, num(n, "mse"), num(n, "loc"), num(n, "conf"), num(n, "loss"),
                        num(n, "lr"), n.path("stage").asInt(0), num(n, "seconds"), optional(n, "content"),
                        optional(n, "adv"), optional(n, "disc"), optional(n, "task")));
            }
        }
        return new Contents(steps, evals);
    }

    private static Double optional(JsonNode n, String key) {
        return n.has(key) ? num(n, key) : null;
    }

    private static double num(JsonNode n, String key) {
        return number(n.get(key));
    }

    private static double number(JsonNode v) {
        return v != null && v.isNumber() ? v.asDouble() : Double.NaN;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
