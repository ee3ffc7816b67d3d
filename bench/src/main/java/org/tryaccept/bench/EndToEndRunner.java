package org.tryaccept.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.tryaccept.bench.Report.say;

/**
 * The end-to-end benchmark (DESIGN section 6): HTTP/1.1 {@code Connection: close} churn from wrk, 32
 * connections, against single-thread servers: a C floor (httpfloor.c), nginx, JDK Selector servers,
 * Netty epoll, and the library's own {@code examples/HttpServer.java}; plus keep-alive sanity rows.
 *
 * <p>Every server is started once, pinned to CPU 0 with taskset (JVM threads included: JIT and GC
 * are part of what a server costs), and kept running; wrk is pinned to CPU 1. Each row gets one
 * warm-up run, then the rounds run every row once, the order rotated between rounds so that a busy
 * minute on the shared machine does not land on one row. Per run: conn/s from wrk's request count,
 * and the server's CPU time per connection from /proc/PID/stat (utime + stime, proc(5)), of the
 * process and its descendants (nginx's worker), over exactly the wrk run. CPU per connection is the
 * number to compare: it is what the server spends, and stays stable while other work on the machine
 * moves conn/s.
 */
final class EndToEndRunner {
    static final int CONNECTIONS = 32;

    enum Plan {
        // ./demo's share: under ~90 s for five rows. The C floor with deferral is in it so that the
        // example's main target (<= 1.10x that floor) is judged in the same run.
        QUICK(2, 3, 3, List.of("c-defer", "nginx-deferred", "jdk", "jdk-defer", "example-defer")),
        // 10 s warm-up: a 2 s warm-up left Netty's first rounds several times slower (C2 still compiling
        // on the server's one CPU, which is counted, as it should be, but it is not the steady state).
        FULL(10, 5, 10, null);

        final int warmupSeconds, rounds, seconds;
        final List<String> only; // row ids, or null for all

        Plan(int warmupSeconds, int rounds, int seconds, List<String> only) {
            // -Dtryaccept.bench.e2e.seconds=N (bench/run: BENCH_E2E_SECONDS) shortens every run, to check
            // the harness on a busy machine; the report states the durations it actually used.
            int override = Integer.getInteger("tryaccept.bench.e2e.seconds", 0);
            this.warmupSeconds = override > 0 ? Math.min(override, warmupSeconds) : warmupSeconds;
            this.rounds = rounds;
            this.seconds = override > 0 ? override : seconds;
            this.only = only;
        }
    }

    /** One server process: how to start it on a port, or why it cannot run here. */
    record Server(String key, String label, String group, java.util.function.IntFunction<List<String>> command,
                  boolean announces, String missing) {
    }

    record RowSpec(String id, String label, Server server, boolean keepAlive) {
    }

    record Sample(double connPerSec, double cpuUsPerConn, double p99Ms, long errors, long requests) {
    }

    record RowResult(RowSpec row, List<Sample> samples, String skipped) {
        double median(java.util.function.ToDoubleFunction<Sample> f) {
            double[] v = samples.stream().mapToDouble(f).sorted().toArray();
            int n = v.length;
            return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        }

        double min(java.util.function.ToDoubleFunction<Sample> f) {
            return samples.stream().mapToDouble(f).min().orElse(Double.NaN);
        }

        double max(java.util.function.ToDoubleFunction<Sample> f) {
            return samples.stream().mapToDouble(f).max().orElse(Double.NaN);
        }

        long errors() {
            return samples.stream().mapToLong(Sample::errors).sum();
        }
    }

    record Result(Plan plan, String client, boolean pinned, long clkTck, String javaFlags, List<RowResult> rows,
                  String started, String loadBefore, String loadAfter) {
        RowResult row(String id) {
            return rows.stream().filter(r -> r.row.id.equals(id)).findFirst().orElse(null);
        }
    }

    static final List<String> JAVA_FLAGS = List.of("-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED");

    private final Plan plan;
    private final Path root;
    private final Path nat;
    private final Path work;
    private final boolean pin;
    private final String wrk;
    private final List<Process> started = new ArrayList<>();

    private EndToEndRunner(Plan plan, Path root, Path nat, Path work) {
        this.plan = plan;
        this.root = root;
        this.nat = nat;
        this.work = work;
        this.pin = Runtime.getRuntime().availableProcessors() >= 2 && onPath("taskset") != null;
        this.wrk = onPath("wrk");
    }

    static Result run(Plan plan, Path root, Path nat, Path work) throws IOException, InterruptedException {
        EndToEndRunner r = new EndToEndRunner(plan, root, nat, work);
        // Everything started here dies with this JVM, also on SIGINT/SIGTERM (bench/run forwards those).
        Thread hook = new Thread(r::stopAll, "e2e-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return r.run();
        } finally {
            r.stopAll();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    private Result run() throws IOException, InterruptedException {
        String startedAt = java.time.ZonedDateTime.now().format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        String loadBefore = HostFacts.loadAverage();
        Files.createDirectories(work);
        long clk = clkTck();
        gcc("httpfloor.c", "httpfloor");
        if (wrk == null) {
            say("e2e: wrk NOT FOUND: falling back to the project's C load generator (loadgen.c): no latency, "
                    + "no keep-alive rows; results are marked 'loadgen'");
        }
        if (!pin) {
            say("e2e: fewer than 2 CPUs or no taskset: server and client are NOT pinned");
        }
        List<RowSpec> rows = rows();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        Map<String, Process> procs = new LinkedHashMap<>();
        for (RowSpec r : rows) {
            samples.put(r.id, new ArrayList<>());
            Server s = r.server;
            if (s.missing != null) {
                skipped.put(r.id, s.missing);
                continue;
            }
            if (r.keepAlive && wrk == null) {
                skipped.put(r.id, "needs wrk (loadgen has no keep-alive mode)");
                continue;
            }
            if (skipped.containsKey(s.key)) {
                skipped.put(r.id, skipped.get(s.key));
                continue;
            }
            if (!procs.containsKey(s.key)) {
                int port = freePort();
                try {
                    procs.put(s.key, start(s, port));
                    ports.put(s.key, port);
                } catch (IOException e) {
                    skipped.put(s.key, "FAILED to start: " + e.getMessage());
                    skipped.put(r.id, skipped.get(s.key));
                }
            }
        }
        List<RowSpec> live = rows.stream().filter(r -> !skipped.containsKey(r.id)).toList();
        for (Map.Entry<String, String> e : skipped.entrySet()) {
            if (rows.stream().anyMatch(r -> r.id.equals(e.getKey()))) {
                say("e2e: row " + e.getKey() + " skipped: " + e.getValue());
            }
        }
        say(String.format(Locale.ROOT, "e2e: %d rows: %d s warm-up each, then %d rounds x %d s (about %d s); client %s, %d connections%s",
                live.size(), plan.warmupSeconds, plan.rounds, plan.seconds,
                live.size() * (plan.warmupSeconds + plan.rounds * plan.seconds + 1), wrk != null ? "wrk" : "loadgen",
                CONNECTIONS, pin ? ", server on CPU 0, client on CPU 1" : ""));
        for (RowSpec r : live) {
            once(r, procs.get(r.server.key), ports.get(r.server.key), plan.warmupSeconds, clk);
        }
        int stride = Math.max(1, live.size() / Math.max(1, plan.rounds));
        for (int round = 0; round < plan.rounds; round++) {
            for (int k = 0; k < live.size(); k++) {
                RowSpec r = live.get((k + round * stride) % live.size());
                Process p = procs.get(r.server.key);
                if (!p.isAlive()) {
                    throw new IOException("server " + r.server.key + " died; its log: " + logOf(r.server.key)
                            + "\n" + tail(logOf(r.server.key)));
                }
                Sample s = once(r, p, ports.get(r.server.key), plan.seconds, clk);
                samples.get(r.id).add(s);
                say(String.format(Locale.ROOT, "e2e round %d/%d %-22s %,9.0f conn/s %7.2f us/conn  p99 %s  errors %d",
                        round + 1, plan.rounds, r.id, s.connPerSec, s.cpuUsPerConn,
                        Double.isNaN(s.p99Ms) ? "n/a" : Tables.fmt(s.p99Ms, 2) + " ms", s.errors));
            }
        }
        List<RowResult> out = new ArrayList<>();
        for (RowSpec r : rows) {
            out.add(new RowResult(r, samples.get(r.id), skipped.get(r.id)));
        }
        String client = wrk != null ? wrkVersion() : "loadgen (project's C load generator; wrk not found)";
        return new Result(plan, client, pin, clk, String.join(" ", JAVA_FLAGS), out, startedAt, loadBefore,
                HostFacts.loadAverage());
    }

    // ---------------------------------------------------------------- rows

    private List<RowSpec> rows() throws IOException {
        String nginx = onPath("nginx");
        if (nginx == null && Files.isExecutable(Path.of("/usr/sbin/nginx"))) {
            nginx = "/usr/sbin/nginx";
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String benchCp = System.getProperty("java.class.path");
        Path example = root.resolve("examples/HttpServer.java");
        String exampleMissing = null;
        String exampleCp = null;
        if (!Files.exists(example)) {
            exampleMissing = "not found: " + root.relativize(example) + " (not written yet)";
        } else {
            Path api = jar(root.resolve("api/target"), "tryaccept-api-");
            Path linux = jar(root.resolve("impl-linux/target"), "tryaccept-linux-");
            if (api == null || linux == null) {
                exampleMissing = "not found: api/target/tryaccept-api-*.jar or impl-linux/target/tryaccept-linux-*.jar "
                        + "(./mvnw -pl bench -am package -DskipTests)";
            } else {
                exampleCp = api + ":" + linux;
            }
        }
        String nginxMissing = nginx == null ? "not found: nginx (apt-get install nginx-light)" : null;
        String nginxBin = nginx;
        String cp = exampleCp;
        List<Server> servers = new ArrayList<>();
        servers.add(new Server("c-plain", "C floor: epoll + accept4", "c",
                port -> List.of(nat.resolve("httpfloor").toString(), Integer.toString(port), "0"), true, null));
        servers.add(new Server("c-defer", "C floor + TCP_DEFER_ACCEPT 1 s, read at once", "c",
                port -> List.of(nat.resolve("httpfloor").toString(), Integer.toString(port), "1"), true, null));
        servers.add(new Server("nginx", "nginx, 1 worker", "nginx",
                port -> nginxCommand(nginxBin, "nginx", port, false), false, nginxMissing));
        servers.add(new Server("nginx-deferred", "nginx, 1 worker, listen ... deferred", "nginx",
                port -> nginxCommand(nginxBin, "nginx-deferred", port, true), false, nginxMissing));
        for (String[] j : new String[][] {
                {"jdk", "JDK Selector + accept()"},
                {"jdk-defer", "JDK Selector + TCP_DEFER_ACCEPT (ServerSockets.setOption)"},
                {"jdk-defer-read", "JDK Selector + TCP_DEFER_ACCEPT + read at once"},
                {"netty", "Netty 4.2 epoll"},
                {"netty-defer", "Netty 4.2 epoll + EpollChannelOption.TCP_DEFER_ACCEPT"}}) {
            servers.add(new Server(j[0], j[1], j[0].startsWith("netty") ? "netty" : "jdk", port -> {
                List<String> c = new ArrayList<>(List.of(java));
                c.addAll(JAVA_FLAGS);
                c.addAll(List.of("-cp", benchCp, E2eServer.class.getName(), j[0], Integer.toString(port)));
                return c;
            }, true, null));
        }
        for (String[] e : new String[][] {
                {"example", "examples/HttpServer.java", ""},
                {"example-defer", "examples/HttpServer.java --defer 1", "--defer 1"},
                {"example-defer-2", "examples/HttpServer.java --defer 1 --loops 2", "--defer 1 --loops 2"}}) {
            servers.add(new Server(e[0], e[1], "example", port -> {
                List<String> c = new ArrayList<>(List.of(java));
                c.addAll(JAVA_FLAGS);
                c.addAll(List.of("-cp", cp, example.toString(), "--port", Integer.toString(port)));
                if (!e[2].isEmpty()) {
                    c.addAll(List.of(e[2].split(" ")));
                }
                return c;
            }, true, exampleMissing));
        }
        List<RowSpec> rows = new ArrayList<>();
        for (Server s : servers) {
            rows.add(new RowSpec(s.key, s.label, s, false));
        }
        // Keep-alive sanity rows: the same servers without "Connection: close"; shows the per-request
        // cost without the accept, so that a server's churn number can be read against it.
        for (Server s : servers) {
            if (List.of("c-plain", "nginx", "jdk", "example").contains(s.key)) {
                rows.add(new RowSpec(s.key + "/keep-alive", s.label + ", keep-alive", s, true));
            }
        }
        if (plan.only != null) {
            rows.removeIf(r -> !plan.only.contains(r.id));
        }
        return rows;
    }

    private static Path jar(Path dir, String prefix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(prefix) && n.endsWith(".jar") && !n.endsWith("-sources.jar") && !n.endsWith("-javadoc.jar")
                        && !n.endsWith("-tests.jar");
            }).sorted().findFirst().orElse(null);
        }
    }

    /**
     * nginx as deployed: a master and one worker (worker_processes 1), in the foreground (daemon off)
     * so that the process we start is the master. taskset on the master pins the worker too (the CPU
     * mask is inherited across fork, sched_setaffinity(2)); the CPU counted is the master's and the
     * worker's together (the master idles). No access log, the response from {@code return}.
     */
    private List<String> nginxCommand(String nginx, String key, int port, boolean deferred) {
        Path dir = work.resolve(key);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("nginx.conf"), String.join("\n",
                    "worker_processes 1;",
                    "daemon off;",
                    "pid " + dir.resolve("nginx.pid") + ";",
                    "error_log " + dir.resolve("error.log") + " warn;",
                    "events { worker_connections 4096; }",
                    "http {",
                    "  access_log off;",
                    "  keepalive_requests 100000000;", // the keep-alive rows must not reconnect every 1000 requests
                    "  client_body_temp_path " + dir.resolve("body") + ";",
                    "  server {",
                    "    listen 127.0.0.1:" + port + (deferred ? " deferred" : "") + " backlog=4096;",
                    "    location / { default_type text/plain; return 200 \"Hello, world\\n\"; }",
                    "  }",
                    "}", ""));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return List.of(nginx, "-p", dir + "/", "-c", dir.resolve("nginx.conf").toString(),
                "-e", dir.resolve("error.log").toString());
    }

    // ---------------------------------------------------------------- processes

    private Path logOf(String key) {
        return work.resolve("server-" + key + ".log");
    }

    private Process start(Server s, int port) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (pin) {
            cmd.addAll(List.of("taskset", "-c", "0"));
        }
        cmd.addAll(s.command.apply(port));
        Path log = logOf(s.key);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start(); // stdin stays a pipe we hold: its EOF stops our own servers
        synchronized (started) {
            started.add(p);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a JVM starting on a busy core
        while (s.announces && !Files.readString(log).contains("listening on")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IOException(s.key + (p.isAlive() ? " did not print 'listening on' within 60 s" : " exited "
                        + p.exitValue()) + "; log " + log + ":\n" + tail(log));
            }
            Thread.sleep(50);
        }
        String err = null;
        while (System.nanoTime() < deadline && p.isAlive()) {
            err = probe(port);
            if (err == null) {
                say("e2e: started " + s.key + " on port " + port + " (pid " + p.pid() + ")");
                return p;
            }
            Thread.sleep(100);
        }
        throw new IOException(s.key + " does not answer GET / with 200: " + err + "; log " + log + ":\n" + tail(log));
    }

    /** One request with Connection: close; null when the answer is a 200, else what went wrong. */
    private static String probe(int port) {
        try (Socket so = new Socket()) {
            so.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            so.setSoTimeout(5000);
            OutputStream o = so.getOutputStream();
            o.write("GET /probe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            o.flush();
            String answer = new String(so.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.startsWith("HTTP/1.1 200") ? null : "answer: " + answer.lines().findFirst().orElse("(empty)");
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void stopAll() {
        List<Process> ps;
        synchronized (started) {
            ps = new ArrayList<>(started);
            started.clear();
        }
        for (Process p : ps) {
            try {
                p.getOutputStream().close(); // EOF: our own servers exit by themselves
            } catch (IOException ignored) {
                // gone already
            }
            p.destroy(); // SIGTERM: nginx's master stops its worker
        }
        for (Process p : ps) {
            try {
                p.waitFor(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            p.descendants().forEach(ProcessHandle::destroyForcibly); // only what this process started
            p.destroyForcibly();
        }
    }

    // ---------------------------------------------------------------- one run

    private Sample once(RowSpec r, Process server, int port, int seconds, long clk) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (pin) {
            cmd.addAll(List.of("taskset", "-c", "1"));
        }
        if (wrk != null) {
            cmd.addAll(List.of(wrk, "-t1", "-c" + CONNECTIONS, "-d" + seconds + "s", "--latency", "--timeout", "5s"));
            if (!r.keepAlive) {
                cmd.addAll(List.of("-H", "Connection: close"));
            }
            cmd.add("http://127.0.0.1:" + port + "/");
        } else {
            cmd.addAll(List.of(nat.resolve("loadgen").toString(), Integer.toString(port), "0",
                    Integer.toString(seconds * 1000), Integer.toString(CONNECTIONS), "close"));
        }
        long before = cpuTicks(server.toHandle());
        Process c = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try {
            out = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!c.waitFor(seconds + 30L, TimeUnit.SECONDS)) {
                throw new IOException("client did not finish: " + String.join(" ", cmd));
            }
        } finally {
            c.destroyForcibly();
        }
        long after = cpuTicks(server.toHandle());
        if (c.exitValue() != 0) {
            throw new IOException("client failed (exit " + c.exitValue() + "): " + String.join(" ", cmd) + "\n" + out);
        }
        return wrk != null ? parseWrk(out, after - before, clk) : parseLoadgen(out, after - before, clk);
    }

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m)\\b");
    private static final Pattern P99 = Pattern.compile("(?m)^\\s*99%\\s+([\\d.]+)(us|ms|s|m)\\s*$");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    static Sample parseWrk(String out, long ticks, long clk) {
        Matcher m = REQUESTS.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + out);
        }
        long requests = Long.parseLong(m.group(1));
        double secs = toMillis(Double.parseDouble(m.group(2)), m.group(3)) / 1000;
        Matcher p = P99.matcher(out);
        double p99 = p.find() ? toMillis(Double.parseDouble(p.group(1)), p.group(2)) : Double.NaN;
        long errors = 0;
        Matcher e = SOCKET_ERRORS.matcher(out);
        if (e.find()) {
            for (int i = 1; i <= 4; i++) {
                errors += Long.parseLong(e.group(i));
            }
        }
        Matcher n = NON_2XX.matcher(out);
        if (n.find()) {
            errors += Long.parseLong(n.group(1));
        }
        return new Sample(requests / secs, cpuUs(ticks, clk) / Math.max(1, requests), p99, errors, requests);
    }

    private static Sample parseLoadgen(String out, long ticks, long clk) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : out.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        if (!kv.containsKey("conns")) {
            throw new IllegalStateException("unexpected loadgen output: " + out);
        }
        long conns = Long.parseLong(kv.get("conns"));
        return new Sample(Double.parseDouble(kv.get("rate")), cpuUs(ticks, clk) / Math.max(1, conns), Double.NaN,
                Long.parseLong(kv.get("errors")), conns);
    }

    private static double toMillis(double v, String unit) {
        return switch (unit) {
            case "us" -> v / 1000;
            case "ms" -> v;
            case "s" -> v * 1000;
            case "m" -> v * 60_000;
            default -> throw new IllegalArgumentException(unit);
        };
    }

    private static double cpuUs(long ticks, long clk) {
        return ticks * 1e6 / clk;
    }

    /**
     * utime + stime of the process and its descendants, in clock ticks. proc(5): fields 14 and 15 of
     * /proc/PID/stat, the whole process (all its threads); counted after the last ')' because the
     * command name (field 2) may hold spaces and parentheses.
     */
    static long cpuTicks(ProcessHandle h) {
        long sum = 0;
        for (ProcessHandle p : Stream.concat(Stream.of(h), h.descendants()).toList()) {
            try {
                String s = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                sum += Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
            } catch (IOException | RuntimeException gone) {
                // exited between listing and reading: nothing of ours exits during a run
            }
        }
        return sum;
    }

    // ---------------------------------------------------------------- host

    /** sysconf(_SC_CLK_TCK) as getconf(1) reports it: the unit of /proc/PID/stat's utime and stime. */
    private static long clkTck() throws IOException, InterruptedException {
        String v = output(List.of("getconf", "CLK_TCK")).trim();
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IOException("getconf CLK_TCK printed " + v);
        }
    }

    private String wrkVersion() {
        try {
            String v = output(List.of(wrk, "--version")).lines().findFirst().orElse("wrk");
            return v.replaceAll("\\s*Copyright.*", "").trim();
        } catch (IOException | InterruptedException e) {
            return "wrk";
        }
    }

    static String output(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return s;
        } finally {
            p.destroyForcibly();
        }
    }

    private void gcc(String source, String binary) throws IOException, InterruptedException {
        try (InputStream in = EndToEndRunner.class.getResourceAsStream("/c/" + source)) {
            if (in == null) {
                throw new IOException("missing /c/" + source + " in the jar");
            }
            Files.copy(in, nat.resolve(source), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> cmd = List.of(System.getenv().getOrDefault("CC", "gcc"), "-O2", "-Wall", "-o",
                nat.resolve(binary).toString(), nat.resolve(source).toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("gcc failed: " + String.join(" ", cmd) + "\n" + out);
        }
    }

    private static String onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        // A port the kernel just handed out and we released; the server binds it a moment later.
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> l = Files.readAllLines(log);
            return String.join("\n", l.subList(Math.max(0, l.size() - 20), l.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
