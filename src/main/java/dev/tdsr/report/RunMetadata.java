package dev.tdsr.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * How a study was run.
 *
 * @param version           tdsr-native version
 * @param seed              the study's seed
 * @param device            backend the study ran on ("cpu", "cuda:0")
 * @param dataset           dataset description ("synthetic 300px 6 classes", "VOC0712 -> VOC2007 test")
 * @param configName        name of the study config
 * @param config            the whole study config as it was run
 * @param started           ISO-8601 start time
 * @param totalWallSeconds  wall time of the whole study
 * @param detectorSeconds   wall time spent obtaining the detector (training or loading)
 * @param detectorLog       the detector's metrics.jsonl when it was trained here (null when loaded)
 * @param trainingLogs      the metrics.jsonl of every trained S, paths relative to the output folder when inside it
 */
public record RunMetadata(@JsonProperty("version") String version, @JsonProperty("seed") long seed,
                          @JsonProperty("device") String device, @JsonProperty("dataset") String dataset,
                          @JsonProperty("config_name") String configName, @JsonProperty("config") JsonNode config,
                          @JsonProperty("started") String started,
                          @JsonProperty("total_wall_seconds") double totalWallSeconds,
                          @JsonProperty("detector_seconds") double detectorSeconds,
                          @JsonProperty("detector_log") String detectorLog,
                          @JsonProperty("training_logs") List<TrainingLog> trainingLogs) {
    public RunMetadata {
        trainingLogs = trainingLogs == null ? List.of() : List.copyOf(trainingLogs);
    }

    /** Where the metrics of one trained network are. */
    public record TrainingLog(@JsonProperty("scale") int scale, @JsonProperty("method") Method method,
                              @JsonProperty("metrics_jsonl") String metricsJsonl) {}

    public RunMetadata with(double totalWallSeconds, double detectorSeconds, String detectorLog,
                            List<TrainingLog> logs) {
        return new RunMetadata(version, seed, device, dataset, configName, config, started, totalWallSeconds,
                detectorSeconds, detectorLog, logs);
    }
}
