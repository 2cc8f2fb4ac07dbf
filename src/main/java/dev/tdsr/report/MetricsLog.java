package dev.tdsr.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trainer's {@code metrics.jsonl}, one JSON object per line: training lines
 * {@code {"step":..,"mse":..,"loc":..,"conf":..,"loss":..,"lr":..}} and evaluation lines
 * {@code {"step":..,"eval":{"psnr_y":..,"map07":..}}}. Other lines and other keys are ignored; a field absent from a
 * line reads as NaN (e.g. loc/conf in an MSE-only stage when the trainer leaves them out).
 */
public record MetricsLog(List<TrainPoint> train, List<EvalPoint> evals) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record TrainPoint(long step, double mse, double loc, double conf, double loss, double lr) {}

    public record EvalPoint(long step, double psnrY, double map07) {}

    public MetricsLog {
        train = List.copyOf(train);
        evals = List.copyOf(evals);
    }

    /**
     * Reads the file. A broken last line is skipped (a run killed mid-write); a broken line elsewhere is an
     * IOException naming the file and line.
     */
    public static MetricsLog read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<TrainPoint> train = new ArrayList<>();
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
            JsonNode ev = n.get("eval");
            if (ev != null && ev.isObject()) {
                evals.add(new EvalPoint(step, num(ev, "psnr_y"), num(ev, "map07")));
            } else if (n.has("loss") || n.has("mse")) {
                train.add(new TrainPoint(step, num(n, "mse"), num(n, "loc"), num(n, "conf"), num(n, "loss"),
                        num(n, "lr")));
            }
        }
        return new MetricsLog(train, evals);
    }

    private static double num(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v != null && v.isNumber() ? v.asDouble() : Double.NaN;
    }
}
