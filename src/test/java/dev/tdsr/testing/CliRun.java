package dev.tdsr.testing;

import dev.tdsr.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Runs the CLI as a user does (same command line, same error handling) and captures everything it prints. */
public final class CliRun {
    private CliRun() {}

    public record Result(int code, String out, String err) {}

    /** A java.util.logging record's first line (SimpleFormatter): date, time, class and method. */
    private static final java.util.regex.Pattern LOG_HEADER = java.util.regex.Pattern.compile(
            "[A-Z][a-z]{2} \\d{1,2}, \\d{4} \\d{1,2}:\\d{2}:\\d{2} [AP]M \\S+ \\S+");

    /**
     * Drops java.util.logging records (two lines each) from captured stderr: the GC's "tensor ... was never closed"
     * warnings of other tests may land in whatever System.err is current, and they are not the command's output.
     */
    static String withoutLogRecords(String err) {
        StringBuilder b = new StringBuilder();
        String[] lines = err.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (LOG_HEADER.matcher(lines[i]).matches() && i + 1 < lines.length) {
                i++; // the record's message line
                continue;
            }
            b.append(lines[i]);
            if (i < lines.length - 1) {
                b.append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Runs the CLI in a child JVM with {@code -Xmx<heap>} (for what depends on the heap limit), on this JVM's class
     * path; stdout and stderr are captured whole.
     */
    public static Result runInChildJvm(String heap, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heap,
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        File errFile = File.createTempFile("cli-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(errFile).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            return new Result(code, out, Files.readString(errFile.toPath()));
        } finally {
            errFile.delete();
        }
    }

    /** Captures picocli's writers and System.out/err alike; synchronized because the System streams are global. */
    public static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
            System.setOut(o);
            System.setErr(e);
            CommandLine cl = Main.commandLine();
            cl.setOut(new PrintWriter(o, true));
            cl.setErr(new PrintWriter(e, true));
            int code = cl.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), withoutLogRecords(err.toString(StandardCharsets.UTF_8)));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
