package dev.tdsr.api;

import java.nio.file.Path;

/** A model file or folder is missing, unreadable, of the wrong kind or does not match the network; names the file. */
public final class ModelFileException extends TdsrException {
    private final transient Path file;

    public ModelFileException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** The file or folder (or the temporary copy of a classpath resource) that failed. */
    public Path file() {
        return file;
    }
}
