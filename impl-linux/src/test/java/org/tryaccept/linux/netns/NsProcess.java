package org.tryaccept.linux.netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM (the test's own java binary and class path) started inside a network namespace with
 * {@code ip netns exec NS java ... Main}, driven by one command per line on its stdin; it answers
 * each command with a line starting {@code ok } or {@code error }, and may print {@code event ...}
 * lines before it. Lines are space-separated {@code key=value} facts. The child exits when its stdin
 * closes, so it cannot outlive the test JVM for long even if that one is killed.
 */
final class NsProcess implements AutoCloseable {
    /** One answer: the {@code ok} line and the event lines printed while the command ran. */
    record Reply(String line, List<String> events) {
        Map<String, String> facts() {
            return NsProcess.facts(line);
        }

        String get(String key) {
            String v = facts().get(key);
            if (v == null) {
                throw new AssertionError("no " + key + " in reply: " + line);
            }
            return v;
        }

        int getInt(String key) {
            return Integer.parseInt(get(key));
        }
    }

    private final String label;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();

    private NsProcess(String label, Process process) {
        this.label = label;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread out = new Thread(() -> pump(new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)), true), label + "-stdout");
        Thread err = new Thread(() -> pump(new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8)), false), label + "-stderr");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
    }

    static NsProcess start(String ip, String ns, Class<?> main) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ip, "netns", "exec", ns,
                ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m"));
        // The child uses the same fd-access mode as this surefire execution (impl-linux/pom.xml runs three).
        cmd.addAll(org.tryaccept.linux.TestProviders.modeFlags());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        NsProcess p = new NsProcess(ns + "/" + main.getSimpleName(), new ProcessBuilder(cmd).start());
        p.call("hello", Duration.ofSeconds(30)); // the JVM is up and answering
        return p;
    }

    /** Sends one command and waits (bounded) for its answer; an {@code error} answer fails the test. */
    Reply call(String command, Duration timeout) {
        try {
            synchronized (stdin) {
                stdin.write(command + "\n");
                stdin.flush();
            }
            List<String> events = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError(label + ": no answer to '" + command + "' within " + timeout
                            + "; stderr: " + stderr);
                }
                if (line.startsWith("ok ")) {
                    return new Reply(line, events);
                }
                if (line.startsWith("error ")) {
                    throw new AssertionError(label + ": '" + command + "' failed: " + line + "; stderr: " + stderr);
                }
                if (line.startsWith("event ")) {
                    events.add(line);
                }
            }
        } catch (IOException e) {
            throw new AssertionError(label + ": cannot send '" + command + "' (exited? " + !process.isAlive()
                    + "); stderr: " + stderr, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static Map<String, String> facts(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String token : line.trim().split(" +")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                m.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        return m;
    }

    private void pump(BufferedReader r, boolean toQueue) {
        try (r) {
            for (String line; (line = r.readLine()) != null; ) {
                if (toQueue) {
                    lines.add(line);
                } else {
                    stderr.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** Closes stdin (the child's signal to clean up and exit), waits up to 5 s, then kills it. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            process.getInputStream().close();
            process.getErrorStream().close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
