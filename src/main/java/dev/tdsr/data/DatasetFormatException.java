package dev.tdsr.data;

/** Bad dataset input; the message names the file, the field and what was expected. */
public final class DatasetFormatException extends IllegalArgumentException {
    private final LoadSummary.Problem problem;

    public DatasetFormatException(LoadSummary.Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public DatasetFormatException(LoadSummary.Problem problem, String message, Throwable cause) {
        super(message, cause);
        this.problem = problem;
    }

    public LoadSummary.Problem problem() {
        return problem;
    }
}
