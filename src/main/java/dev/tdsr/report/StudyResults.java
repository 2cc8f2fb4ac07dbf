package dev.tdsr.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tdsr.io.AtomicFiles;
import dev.tdsr.io.JsonPaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Everything a study produced: {@code results.json}, from which every report can be re-rendered. */
public record StudyResults(@JsonProperty("metadata") RunMetadata metadata,
                           @JsonProperty("scales") List<ScaleResult> scales) {
    public static final String FILE_NAME = "results.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public StudyResults {
        scales = scales == null ? List.of() : List.copyOf(scales);
    }

    public Optional<ScaleResult> scale(int s) {
        return scales.stream().filter(r -> r.scale() == s).findFirst();
    }

    /** Writes atomically (a crash mid-write leaves the previous file). */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, out -> JSON.writeValue(out, this));
    }

    public static StudyResults read(Path file) throws IOException {
        try {
            return JSON.readValue(file.toFile(), StudyResults.class);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not a results.json of this version (" + e.getOriginalMessage() + " at "
                    + JsonPaths.of(e) + ")", e);
        }
    }
}
