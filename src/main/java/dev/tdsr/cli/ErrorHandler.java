package dev.tdsr.cli;

import dev.tdsr.engine.BackendUnavailableException;
import dev.tdsr.engine.EngineException;
import picocli.CommandLine;

/** Expected failures (bad input, unavailable device) print one clear line and exit 2; others keep their trace. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        if (ex instanceof BackendUnavailableException || ex instanceof IllegalArgumentException
                || ex instanceof EngineException || ex instanceof java.io.IOException
                || ex instanceof dev.tdsr.api.TdsrException) {
            cl.getErr().println("error: " + ex.getMessage());
            return 2;
        }
        ex.printStackTrace(cl.getErr());
        return 1;
    }
}
