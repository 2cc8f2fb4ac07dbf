package dev.tdsr.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Optional;

/** Every method row evaluated at one SR scale, in the order they ran. */
public record ScaleResult(@JsonProperty("scale") int scale, @JsonProperty("methods") List<MethodResult> methods) {
    public ScaleResult {
        methods = methods == null ? List.of() : List.copyOf(methods);
    }

    public Optional<MethodResult> get(Method m) {
        return methods.stream().filter(r -> r.method() == m).findFirst();
    }
}
