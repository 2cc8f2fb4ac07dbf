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
            cl.getErr().println("error: " + message(ex));
            if (Logging.verbose()) {
                ex.printStackTrace(cl.getErr());
            }
            return 2;
        }
        ex.printStackTrace(cl.getErr());
        return 1;
    }

    /** NIO's file errors without a reason print only the path ("error: /proc/ds"): say what went wrong with it. */
    static String fileProblem(java.nio.file.FileSystemException fs) {
        String what = fs instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : fs instanceof java.nio.file.NoSuchFileException ? "no such file or folder"
                : fs instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                : fs instanceof java.nio.file.NotDirectoryException ? "not a folder"
                : fs instanceof java.nio.file.DirectoryNotEmptyException ? "folder is not empty"
                : "cannot be created or written here (" + fs.getClass().getSimpleName() + ")";
        String file = fs.getFile() == null ? "" : fs.getFile();
        String other = fs.getOtherFile() == null ? "" : " -> " + fs.getOtherFile();
        return file + other + ": " + what;
    }

    /** The exception's message; one without (an EOF deep in a reader) says what it is and where it came from. */
    static String message(Throwable ex) {
        if (ex instanceof java.nio.file.FileSystemException fs && fs.getReason() == null) {
            return fileProblem(fs);
        }
        String m = ex.getMessage();
        if (m != null && !m.isBlank()) {
            return m;
        }
        StackTraceElement[] st = ex.getStackTrace();
        String where = st.length == 0 ? "" : " in " + st[0].getClassName().replaceAll(".*\\.", "") + "."
                + st[0].getMethodName();
        return ex.getClass().getSimpleName() + where + (ex.getCause() != null ? ": " + message(ex.getCause()) : "")
                + " (run with --verbose for the stack trace)";
    }
}
