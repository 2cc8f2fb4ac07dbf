package dev.tdsr.io;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the .pth fixtures: the test-resources copy first, else the shared folder next to the checkout. */
final class Fixtures {
    private Fixtures() {
    }

    static Path pthDir() {
        URL url = Fixtures.class.getResource("/fixtures/pth/expected.json");
        if (url != null && "file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI()).getParent();
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        Path shared = Path.of("").toAbsolutePath().getParent().resolve("shared/fixtures/pth");
        assumeTrue(Files.isRegularFile(shared.resolve("expected.json")),
                "SKIPPED: .pth fixtures not found in test resources nor in " + shared);
        return shared;
    }
}
