package org.tryaccept.linux.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 6.3: with RLIMIT_NOFILE exhausted, tryAccept throws the typed ErrnoException naming EMFILE,
 * the listener stays usable, and once fds are free again every connection that was pending is
 * accepted. Runs {@link FdExhaustionChild} in a separate JVM under {@code ulimit -n 128}, so this
 * test JVM never runs short of fds itself; the child uses the same fd access mode as this execution.
 */
class FdExhaustionTest {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void emfileIsTypedAndNothingIsLost() throws Exception {
        String mode = Net.fdAccessMode();
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -n 128 && exec \"$@\"", "child",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xshare:auto"));
        cmd.addAll(org.tryaccept.linux.TestProviders.modeFlags());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FdExhaustionChild.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String out = output.get(10, TimeUnit.SECONDS);
        System.out.println("fd exhaustion [" + mode + "] child output:\n" + out.strip());
        assertTrue(exited, "child did not finish within 60 s");
        assertEquals(0, p.exitValue(), "child exit status");
        Map<String, String> facts = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[A-Za-z]+")) { // the child's key=value lines
                facts.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        assertEquals(mode, facts.get("mode"), "child fd access mode");
        assertEquals("24", facts.get("filled"), "the child filled its table up to EMFILE");
        // None free: the library's own duplicate is the call that hits the limit; in the acceptlock mode
        // there is no duplicate, so accept4 itself does.
        assertEquals(mode.equals("jdk-acceptlock")
                        ? "EMFILE@accept4@24@accept4: EMFILE (Too many open files)"
                        : "EMFILE@fcntl(F_DUPFD_CLOEXEC)@24@fcntl(F_DUPFD_CLOEXEC): EMFILE (Too many open files)",
                facts.get("noneFree"));
        assertEquals(facts.get("noneFree"), facts.get("noneFreeBuffer"));
        // One free: the duplicate takes it and accept4 itself fails; with no duplicate (acceptlock mode) the
        // one free fd is enough, and the connection is accepted.
        assertEquals(mode.equals("jdk-acceptlock") ? "accepted" : "EMFILE@accept4@24@accept4: EMFILE (Too many open files)",
                facts.get("oneFree"));
        assertEquals("true", facts.get("openAfter"));
        assertEquals(facts.get("expected"), facts.get("accepted"), "pending connections after recovery");
        assertEquals("false", facts.get("leftOver"));
        assertEquals("true", facts.get("lateMatches"));
    }

    private static String readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return bytes.toString(StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
