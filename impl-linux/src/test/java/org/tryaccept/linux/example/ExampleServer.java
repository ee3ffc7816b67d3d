package org.tryaccept.linux.example;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * examples/HttpServer.java started as a single-file program in a child JVM, the way its usage line
 * says, with this build's api and Linux classes on the class path. Closing it kills the process.
 */
final class ExampleServer implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path EXAMPLE = ROOT.resolve("examples/HttpServer.java");
    private static final Pattern BANNER = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    final Process process;
    final int port;
    private final StringBuffer output;

    private ExampleServer(Process process, int port, StringBuffer output) {
        this.process = process;
        this.port = port;
        this.output = output;
    }

    /** Starts the example on a free port (--port 0) and waits for its banner. */
    static ExampleServer start(String... options) throws IOException, InterruptedException {
        return start(0, options);
    }

    /**
     * As {@link #start(String...)}; with {@code nofile > 0} under {@code ulimit -n nofile}, through bash
     * {@code exec}, so that the process id is the JVM's own.
     */
    static ExampleServer start(int nofile, String... options) throws IOException, InterruptedException {
        List<String> java = new ArrayList<>(List.of(javaBinary(), "--enable-native-access=ALL-UNNAMED",
                "-Xmx128m", "-cp", classPath(), EXAMPLE.toString(), "--port", "0"));
        java.addAll(List.of(options));
        List<String> cmd = java;
        if (nofile > 0) {
            StringBuilder sh = new StringBuilder("ulimit -n " + nofile + " && exec");
            for (String a : java) {
                sh.append(" '").append(a.replace("'", "'\\''")).append('\'');
            }
            cmd = List.of("bash", "-c", sh.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuffer out = new StringBuffer();
        Thread pump = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] b = new byte[4096];
                for (int n; (n = in.read(b)) > 0; ) {
                    out.append(new String(b, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }, "example-output");
        pump.setDaemon(true);
        pump.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // compiles the source first: slow on 2 cores
        try {
            while (true) {
                Matcher m = BANNER.matcher(out);
                if (m.find()) {
                    return new ExampleServer(p, Integer.parseInt(m.group(1)), out);
                }
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("no 'listening on' from " + cmd + (p.isAlive() ? " in 60 s" : ", exit "
                            + p.exitValue()) + ":\n" + out);
                }
                Thread.sleep(50);
            }
        } catch (Throwable t) {
            p.destroyForcibly();
            throw t;
        }
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The api classes and the Linux provider as this build has them (jars or target/classes). */
    static String classPath() {
        try {
            return location(Class.forName("org.tryaccept.ServerSockets")) + File.pathSeparator
                    + location(Class.forName("org.tryaccept.linux.LinuxServerSocketsProvider"));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** utime + stime of the server process so far, in clock ticks (proc(5), fields 14 and 15). */
    long cpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // comm may contain spaces
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);                // fields 14, 15 counted from 1
    }

    /** Open file descriptors of the server process. */
    int openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid() + "/fd"))) {
            return (int) s.count();
        }
    }

    /** What the server printed so far (stdout and stderr), for failure messages. */
    String output() {
        return output.toString();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
