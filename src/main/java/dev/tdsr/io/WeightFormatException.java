package dev.tdsr.io;

import java.io.IOException;

/**
 * A weight or checkpoint file that cannot be read as what it claims to be (truncated, wrong magic, unknown pickle
 * opcode, missing or short storage, inconsistent header), or a state dict that does not fit the expected model.
 * Checked, and an {@link IOException}, so the CLI's error handler prints it as {@code error: <message>}; the message
 * always names the file and what is wrong.
 */
public class WeightFormatException extends IOException {
    public WeightFormatException(String message) {
        super(message);
    }

    public WeightFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
