package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README quotes the event loop of examples/HttpServer.java verbatim (between its two marks), so the
 * documented pattern is code that runs: the example itself is exercised by the tests in
 * {@code org.tryaccept.linux.example}.
 */
class ReadmeExampleTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Path EXAMPLE = ROOT.resolve("examples/HttpServer.java");

    @Test
    void readmeQuotesTheExampleLoopVerbatim() throws IOException {
        String example = Files.readString(EXAMPLE);
        int begin = example.indexOf('\n', example.indexOf("// README excerpt begins")) + 1;
        // No trailing blank line: stripIndent() counts a last empty line as indentation 0 and would
        // then strip nothing.
        int end = example.lastIndexOf('\n', example.indexOf("// README excerpt ends"));
        assertTrue(begin > 0 && end > begin, "the two README marks are in " + EXAMPLE);
        String excerpt = example.substring(begin, end).stripIndent().strip();
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertTrue(readme.contains(excerpt),
                "README.md must quote examples/HttpServer.java between its README marks:\n" + excerpt);
    }
}
