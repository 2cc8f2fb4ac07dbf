package dev.tdsr.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's re-run as a test: every malformed input of {@link MalformedInputs} through the CLI must end in a clean
 * one-line error naming the file or option (or, for a mutation shown to change nothing, in the intact result). The
 * table per kind is printed and written to {@code target/malformed-inputs.md}, each case's outcome and message to
 * {@code target/malformed-inputs.tsv}.
 */
class MalformedInputCampaignTest {
    @TempDir
    Path dir;

    @Test
    void everyMalformedInputEndsInACleanErrorNamingTheCulprit() throws Exception {
        MalformedInputs campaign = new MalformedInputs(dir).build();
        long start = System.nanoTime();
        List<MalformedInputs.Result> results = campaign.run();
        String table = MalformedInputs.table(results);
        System.out.printf("%d malformed inputs in %.0f s%n%s", results.size(), (System.nanoTime() - start) / 1e9, table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/malformed-inputs.md"), table);
        MalformedInputs.writeDetails(results, Path.of("target/malformed-inputs.tsv"));
        String bad = results.stream()
                .filter(r -> r.outcome() != MalformedInputs.Outcome.CLEAN
                        && r.outcome() != MalformedInputs.Outcome.ACCEPTED_UNCHANGED)
                .map(r -> r.outcome() + " " + r.c().kind() + " " + r.c().name() + ": " + r.message())
                .collect(Collectors.joining("\n"));
        assertEquals("", bad);
        assertTrue(results.size() >= 400, "the campaign tries the issue's ~450 kinds of input: " + results.size());
    }
}
