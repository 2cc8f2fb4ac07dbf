package dev.tdsr.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;

/** Where in a JSON document Jackson failed, for error messages that name the key. */
public final class JsonPaths {
    private JsonPaths() {}

    /** "training.tdsr_schedule", "scales[1]"; "?" when Jackson did not say. */
    public static String of(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "?";
        }
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
