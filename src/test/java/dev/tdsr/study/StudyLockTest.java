package dev.tdsr.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.CpuBackend;
import dev.tdsr.train.RunLock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17 #2: a study folder in use by another process is refused before anything in it is touched. */
class StudyLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondStudyOnTheSameFolderFailsNamingTheOwner() throws Exception {
        Path study = dir.resolve("study");
        try (RunLock held = RunLock.acquire(study)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StudyRunner.run(
                    new StudyRunner.Request("quick", List.of(), study), CpuBackend.get(),
                    new PrintWriter(new StringWriter())));
            assertTrue(e.getMessage().startsWith("run folder " + study + " is in use by another training process (pid "
                    + ProcessHandle.current().pid()), e.getMessage());
        }
        try (Stream<Path> files = Files.list(study)) {
            assertEquals(List.of(study.resolve(RunLock.FILE)), files.toList());
        }
    }
}
