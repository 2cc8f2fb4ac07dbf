package dev.tdsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Text files read as UTF-8 with errors that say what is wrong: a UTF-16/32 file, a binary file or one byte that is
 * not UTF-8 becomes one line naming the file, the byte offset and what the file should be, instead of the JDK's
 * "Input length = 1". A UTF-8 byte-order mark is skipped.
 */
public final class TextFiles {
    private TextFiles() {}

    /** The whole file as UTF-8; {@code expected} says what it should hold (e.g. "a JSON model description"). */
    public static String readUtf8(Path file, String expected) throws IOException {
        return decode(file, Files.readAllBytes(file), expected);
    }

    /** The file's lines (as {@link Files#readAllLines}), decoded as {@link #readUtf8}. */
    public static List<String> readLines(Path file, String expected) throws IOException {
        return readUtf8(file, expected).lines().toList();
    }

    /** Decodes {@code bytes} of {@code file} strictly as UTF-8 (see the class comment). */
    public static String decode(Path file, byte[] bytes, String expected) throws IOException {
        String bom = bom(bytes);
        if (bom != null) {
            throw new MalformedTextException(file + ": a " + bom + " text file; expected " + expected
                    + " in UTF-8 (save it as UTF-8)");
        }
        int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in).toString();
            int nul = s.indexOf('\0');
            if (nul >= 0) {
                throw new MalformedTextException(file + ": a binary file (a zero byte"
                        + (looksUtf16(bytes) ? ", UTF-16 without a byte-order mark?" : "") + "); expected "
                        + expected + " in UTF-8");
            }
            return s;
        } catch (CharacterCodingException e) {
            int at = in.position();
            throw new MalformedTextException(file + ": not UTF-8 text (byte 0x"
                    + String.format("%02X", bytes[Math.min(at, bytes.length - 1)] & 0xFF) + " at offset " + at
                    + (looksUtf16(bytes) ? "; UTF-16 without a byte-order mark?" : "; a binary file?")
                    + "); expected " + expected + " in UTF-8");
        }
    }

    /** A malformed or non-UTF-8 text file. */
    public static final class MalformedTextException extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedTextException(String message) {
            super(message);
        }
    }

    private static String bom(byte[] b) {
        if (b.length >= 4 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE && b[2] == 0 && b[3] == 0) {
            return "UTF-32";
        }
        if (b.length >= 4 && b[0] == 0 && b[1] == 0 && (b[2] & 0xFF) == 0xFE && (b[3] & 0xFF) == 0xFF) {
            return "UTF-32";
        }
        if (b.length >= 2 && ((b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE
                || (b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF)) {
            return "UTF-16";
        }
        return null;
    }

    /** Every other one of the first bytes is zero: ASCII text written as UTF-16. */
    private static boolean looksUtf16(byte[] b) {
        int n = Math.min(b.length, 64) & ~1;
        if (n < 4) {
            return false;
        }
        int evenZero = 0;
        int oddZero = 0;
        for (int i = 0; i < n; i += 2) {
            evenZero += b[i] == 0 ? 1 : 0;
            oddZero += b[i + 1] == 0 ? 1 : 0;
        }
        return evenZero == n / 2 || oddZero == n / 2;
    }
}
