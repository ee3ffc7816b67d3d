package org.tryaccept.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.ListStatistics;

/**
 * The benchmark driver behind {@code ./demo} and {@code bench/run}: compiles the C floor, runs the JMH
 * rows side by side (one run, one machine), optionally the end-to-end churn benchmark, prints a table
 * and, except in demo mode, writes {@code RESULTS.md} and {@code ratios.svg}.
 *
 * <p>usage: Report --demo|--quick|--full [--out DIR]
 * <ul>
 * <li>--demo: short JMH run, table on stdout only (the README's first command; about 1 minute)</li>
 * <li>--quick: the same JMH run plus a short churn run; writes the report (under 3 minutes)</li>
 * <li>--full: 3 forks, longer iterations, 7 interleaved churn rounds (under 30 minutes)</li>
 * </ul>
 * Exits non-zero when anything fails (gcc, a benchmark, a server); missed performance targets are
 * findings, reported in the table, not failures.
 */
public final class Report {

    enum Mode {
        // Short modes: two 1 s warm-ups, so that C2 has compiled the FFM paths (code still in C1 allocates
        // small wrappers, which showed up as 10-20 B/op on the flag-free rows with 3 x 500 ms).
        DEMO(1, 2, 1000, 3, 500, 0, 0, 0),
        QUICK(1, 2, 1000, 3, 500, 3, 800, 1500),
        FULL(3, 3, 1000, 5, 1000, 7, 2000, 5000);

        final int forks, warmups, warmupMs, iterations, iterationMs, churnRounds, churnWarmupMs, churnMeasureMs;

        Mode(int forks, int warmups, int warmupMs, int iterations, int iterationMs, int churnRounds,
             int churnWarmupMs, int churnMeasureMs) {
            this.forks = forks;
            this.warmups = warmups;
            this.warmupMs = warmupMs;
            this.iterations = iterations;
            this.iterationMs = iterationMs;
            this.churnRounds = churnRounds;
            this.churnWarmupMs = churnWarmupMs;
            this.churnMeasureMs = churnMeasureMs;
        }
    }

    static final String NP = "Nothing pending";
    static final String CYCLE = "Connect + accept + close both";
    static final int CHURN_CONCURRENCY = 32;
    static final List<String> CHURN_SERVERS = List.of("tryaccept", "tryaccept-defer", "jdk", "netty");

    /** Row key (Class.method) -> label, in display order. */
    static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        for (String s : List.of("NothingPending", "AcceptCycle")) {
            LABELS.put(s + ".tryAcceptOptional", "tryAccept -> Optional (--add-exports)");
            LABELS.put(s + "NoExports.tryAcceptOptional", "tryAccept -> Optional (no flag)");
            LABELS.put(s + ".tryAcceptBuffer", "tryAccept -> AcceptBuffer (--add-exports)");
            LABELS.put(s + "NoExports.tryAcceptBuffer", "tryAccept -> AcceptBuffer (no flag)");
            LABELS.put(s + ".jdkAccept", s.equals("AcceptCycle")
                    ? "JDK accept() + configureBlocking(false)" : "JDK accept() (returns null)");
            LABELS.put(s + ".nettyAccept", "Netty 4.2 epoll Socket.accept(byte[])");
        }
        LABELS.put("NothingPending.cFailingAccept4", "C accept4 -> EAGAIN (floor)");
        LABELS.put("NothingPending.cPoll", "C poll(POLLIN, 0) (breakdown)");
        LABELS.put("NothingPending.cEpollWait", "C epoll_wait(timeout 0), listener registered (breakdown)");
        LABELS.put("NothingPending.ffmPoll", "Java: one FFM poll downcall (breakdown)");
        LABELS.put("NothingPending.libraryPoll", "library's poll wrapper alone (breakdown)");
        LABELS.put("NothingPending.providerTryAccept", "provider.tryAccept, no API checks (breakdown)");
        LABELS.put("AcceptCycle.cCycle", "C connect+accept4+close (floor)");
        LABELS.put("AcceptCycle.cCycleAlgorithm", "C cycle with poll+dup+accept4+close(dup) (breakdown)");
        LABELS.put("AcceptCycle.remoteAddressDecode", "AcceptBuffer.remoteAddress() alone (breakdown)");
    }

    record Row(String key, String scenario, String label, double ns, double error, double min, double max,
               double bytes, long samples) {
        boolean isC() {
            return key.contains(".c");
        }

        /** A part of an operation, not a whole one: no ratio to the floor makes sense. */
        boolean isPart() {
            return key.contains(".remoteAddress");
        }

        boolean isBreakdown() {
            return label.contains("(breakdown)");
        }

        boolean isTryAccept() {
            return key.contains("tryAccept");
        }
    }

    record ChurnResult(String server, List<Double> rates, long errors, String lastStats) {
        double median() {
            List<Double> s = new ArrayList<>(rates);
            s.sort(null);
            int n = s.size();
            return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        }

        double min() {
            return rates.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        double max() {
            return rates.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }
    }

    private Report() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (Exception e) {
            System.err.println("bench: FAILED: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static int run(String[] args) throws Exception {
        Mode mode = null;
        Path out = Path.of("bench");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--demo" -> mode = Mode.DEMO;
                case "--quick" -> mode = Mode.QUICK;
                case "--full" -> mode = Mode.FULL;
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: Report --demo|--quick|--full [--out DIR]");
                    return 2;
                }
            }
        }
        if (mode == null) {
            System.err.println("usage: Report --demo|--quick|--full [--out DIR]");
            return 2;
        }
        Path work = Files.createTempDirectory("tryaccept-bench-");
        Path nat = work.resolve("native");
        say("compiling the C floor and load generator with gcc in " + nat);
        CFloor.build(nat);
        // The library logs its fd-access mode once per JVM at INFO; each fork would print it into the
        // table's terminal. The rows' labels already say which mode they run.
        Files.writeString(nat.resolve("logging.properties"),
                "handlers=java.util.logging.ConsoleHandler\n.level=INFO\norg.tryaccept.level=WARNING\n");
        String loadBefore = loadAverage();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        Path log = work.resolve("jmh-logs");
        int rowCount = LABELS.size();
        long perFork = (long) mode.warmups * mode.warmupMs + (long) mode.iterations * mode.iterationMs + 1700;
        say(String.format(Locale.ROOT, "running %d JMH rows x %d interleaved pass(es), about %d s (-prof gc; logs: %s)",
                rowCount, mode.forks, rowCount * mode.forks * perFork / 1000, log));
        List<Row> rows = jmh(mode, nat, log);
        System.out.println();
        System.out.print(table(rows, false));
        System.out.println();
        System.out.print(targets(rows, false));
        System.out.println("note: " + mode.forks + " pass(es), " + mode.iterations + " x " + mode.iterationMs
                + " ms measured per row. Differences smaller than a row's +/- 99.9% are ties on this machine; "
                + "other work on it (load average now " + loadAverage() + ") widens them. "
                + (mode == Mode.DEMO ? "bench/run --full measures longer and writes bench/RESULTS.md." : ""));
        List<ChurnResult> churn = List.of();
        if (mode.churnRounds > 0) {
            say(String.format(Locale.ROOT, "churn: %d servers x %d interleaved rounds of %.1f s",
                    CHURN_SERVERS.size(), mode.churnRounds, (mode.churnWarmupMs + mode.churnMeasureMs) / 1000.0));
            churn = churn(mode, nat, work);
            System.out.println();
            System.out.print(churnTable(churn));
        }
        String loadAfter = loadAverage();
        if (mode != Mode.DEMO) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("ratios.svg"), Svg.chart(rows, churn));
            Files.writeString(out.resolve("RESULTS.md"),
                    markdown(mode, rows, churn, started, loadBefore, loadAfter));
            say("wrote " + out.resolve("RESULTS.md") + " and " + out.resolve("ratios.svg"));
        }
        deleteTree(work); // kept when anything failed (the exception skips this), for its logs
        return 0;
    }

    static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static void say(String s) {
        System.out.println("bench: " + s);
        System.out.flush();
    }

    // ---------------------------------------------------------------- JMH

    /**
     * Runs every row as its own one-fork JMH run, {@code mode.forks} passes, the order rotated between
     * passes so that each row is measured at different times of the run. On a shared machine the load
     * drifts; JMH alone would run all forks of a row back to back in alphabetical order, and a row that
     * happened to run in a busy minute would look slower than its neighbours (seen here: two rows
     * measuring the same code 12% apart). The per-iteration results of all passes are pooled.
     */
    static List<Row> jmh(Mode mode, Path nat, Path logDir) throws RunnerException, IOException {
        Files.createDirectories(logDir);
        List<String> keys = new ArrayList<>(LABELS.keySet());
        Map<String, ListStatistics> times = new LinkedHashMap<>();
        Map<String, ListStatistics> bytes = new LinkedHashMap<>();
        int stride = Math.max(1, keys.size() / Math.max(1, mode.forks));
        int done = 0;
        for (int pass = 0; pass < mode.forks; pass++) {
            for (int k = 0; k < keys.size(); k++) {
                String key = keys.get((k + pass * stride) % keys.size());
                Path log = logDir.resolve("pass" + (pass + 1) + "-" + key + ".log");
                Options opts = new OptionsBuilder()
                        .include("^org\\.tryaccept\\.bench\\." + key.replace(".", "\\.") + "$")
                        .addProfiler(GCProfiler.class)
                        // Fixed fork flags: nothing is inherited from this JVM (an inherited --add-exports would
                        // silently turn the "no flag" rows into flag rows). Rows add their own flags by annotation.
                        .jvmArgs("-Xms1g", "-Xmx1g", "-D" + CFloor.DIR_PROPERTY + "=" + nat,
                                "-Djava.util.logging.config.file=" + nat.resolve("logging.properties"))
                        .forks(1)
                        .warmupIterations(mode.warmups)
                        .warmupTime(TimeValue.milliseconds(mode.warmupMs))
                        .measurementIterations(mode.iterations)
                        .measurementTime(TimeValue.milliseconds(mode.iterationMs))
                        .shouldFailOnError(true)
                        .output(log.toString())
                        .build();
                Collection<RunResult> results;
                try {
                    results = new Runner(opts).run();
                } catch (RunnerException e) {
                    System.err.println("bench: JMH failed on " + key + "; last lines of " + log + ":");
                    List<String> lines = Files.readAllLines(log);
                    lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.err::println);
                    throw e;
                }
                if (results.isEmpty()) {
                    throw new IllegalStateException("JMH produced no result for " + key + " (see " + log + ")");
                }
                for (RunResult r : results) {
                    for (BenchmarkResult br : r.getBenchmarkResults()) {
                        for (IterationResult ir : br.getIterationResults()) {
                            times.computeIfAbsent(key, x -> new ListStatistics()).addValue(ir.getPrimaryResult().getScore());
                            Result<?> alloc = ir.getSecondaryResults().get("gc.alloc.rate.norm");
                            if (alloc != null) {
                                bytes.computeIfAbsent(key, x -> new ListStatistics()).addValue(alloc.getScore());
                            }
                        }
                    }
                }
                done++;
                if (done % 7 == 0 || done == keys.size() * mode.forks) {
                    say("JMH " + done + "/" + keys.size() * mode.forks + " row runs done");
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (String key : keys) {
            ListStatistics st = times.get(key);
            if (st == null || st.getN() == 0) {
                throw new IllegalStateException("JMH produced no result for " + key);
            }
            ListStatistics b = bytes.get(key);
            String scenario = key.startsWith("Nothing") ? NP : CYCLE;
            rows.add(new Row(key, scenario, LABELS.get(key), st.getMean(),
                    st.getN() > 2 ? st.getMeanErrorAt(0.999) : Double.NaN, st.getMin(), st.getMax(),
                    b == null ? Double.NaN : b.getMean(), st.getN()));
        }
        return rows;
    }

    static Row find(List<Row> rows, String key) {
        return rows.stream().filter(r -> r.key.equals(key)).findFirst().orElseThrow();
    }

    static Row floorOf(List<Row> rows, String scenario) {
        return find(rows, scenario.equals(NP) ? "NothingPending.cFailingAccept4" : "AcceptCycle.cCycle");
    }

    static Row jdkOf(List<Row> rows, String scenario) {
        return find(rows, scenario.equals(NP) ? "NothingPending.jdkAccept" : "AcceptCycle.jdkAccept");
    }

    static Row nettyOf(List<Row> rows, String scenario) {
        return find(rows, scenario.equals(NP) ? "NothingPending.nettyAccept" : "AcceptCycle.nettyAccept");
    }

    /** A difference with its sign, for the breakdown (noise can make a step negative). */
    static String delta(double v, int decimals) {
        return (v >= 0 ? "+" : "-") + fmt(Math.abs(v), decimals);
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    /** The JMH table, one section per scenario: plain text for the terminal, or Markdown. */
    static String table(List<Row> rows, boolean markdown) {
        StringBuilder sb = new StringBuilder();
        for (String scenario : List.of(NP, CYCLE)) {
            Row floor = floorOf(rows, scenario);
            Row jdk = jdkOf(rows, scenario);
            String floorName = scenario.equals(NP) ? "x C accept4" : "x C cycle";
            String[] head = {"row", "ns/op", "+/- 99.9%", "iter min-max", "B/op", floorName, "x JDK"};
            List<String[]> body = new ArrayList<>();
            for (Row r : rows) {
                if (!r.scenario.equals(scenario)) {
                    continue;
                }
                body.add(new String[] {r.label, fmt(r.ns, 0), fmt(r.error, 0), fmt(r.min, 0) + "-" + fmt(r.max, 0),
                        fmt(r.bytes, r.bytes < 10 ? 2 : 0), r.isPart() ? "-" : fmt(r.ns / floor.ns, 3),
                        r.isPart() ? "-" : fmt(r.ns / jdk.ns, 2)});
            }
            sb.append(markdown ? "### " + scenario + "\n\n" : "== " + scenario + " ==\n");
            sb.append(markdown ? mdTable(head, body) : textTable(head, body)).append('\n');
        }
        return sb.toString();
    }

    static String textTable(String[] head, List<String[]> body) {
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
            for (String[] r : body) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        List<String[]> all = new ArrayList<>();
        all.add(head);
        all.addAll(body);
        for (String[] r : all) {
            for (int i = 0; i < r.length; i++) {
                String cell = i == 0 ? String.format("%-" + w[i] + "s", r[i]) : String.format("%" + w[i] + "s", r[i]);
                sb.append(i == 0 ? "" : "  ").append(cell);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String mdTable(String[] head, List<String[]> body) {
        StringBuilder sb = new StringBuilder("| " + String.join(" | ", head) + " |\n|");
        for (int i = 0; i < head.length; i++) {
            sb.append(i == 0 ? "---|" : "---:|");
        }
        sb.append('\n');
        for (String[] r : body) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return sb.toString();
    }

    /**
     * "0 B/op" is judged against a control: the C rows of the same scenario allocate nothing by
     * construction, yet JMH's normalised allocation rate shows a few bytes per op for them (the
     * harness's own per-iteration allocation divided by few operations). A row counts as 0 B/op when it
     * is at or below that measured noise floor, and never when it is at or above 1 B/op plus it.
     */
    static double zeroBytes(List<Row> rows, String scenario) {
        double noise = 0;
        for (Row r : rows) {
            if (r.scenario.equals(scenario) && r.isC()) {
                noise = Math.max(noise, r.bytes);
            }
        }
        return Math.max(1.0, noise);
    }

    static String targets(List<Row> rows, boolean markdown) {
        String[] head = {"target (DESIGN section 6)", "row", "measured", "met"};
        List<String[]> body = new ArrayList<>();
        for (String scenario : List.of(NP, CYCLE)) {
            Row floor = floorOf(rows, scenario);
            Row jdk = jdkOf(rows, scenario);
            Row netty = nettyOf(rows, scenario);
            double zero = zeroBytes(rows, scenario);
            for (Row r : rows) {
                if (!r.scenario.equals(scenario) || !r.isTryAccept()) {
                    continue;
                }
                double ratio = r.ns / floor.ns;
                if (scenario.equals(NP)) {
                    body.add(new String[] {"nothing pending <= 0.08x C accept4", r.label, fmt(ratio, 3) + "x", yes(ratio <= 0.08)});
                    body.add(new String[] {"nothing pending 0 B/op", r.label, fmt(r.bytes, 2) + " B/op", yes(r.bytes <= zero)});
                } else {
                    body.add(new String[] {"cycle <= 1.03x C cycle", r.label, fmt(ratio, 3) + "x", yes(ratio <= 1.03)});
                    boolean optional = r.key.endsWith("Optional");
                    body.add(new String[] {optional ? "cycle <= 160 B/op (Optional)" : "cycle 0 B/op (AcceptBuffer)", r.label,
                            fmt(r.bytes, 1) + " B/op", yes(optional ? r.bytes <= 160 : r.bytes <= zero)});
                }
                body.add(new String[] {scenario.toLowerCase(Locale.ROOT) + ": ahead of JDK and Netty", r.label,
                        fmt(r.ns / jdk.ns, 2) + "x JDK, " + fmt(r.ns / netty.ns, 2) + "x Netty",
                        yes(r.ns < jdk.ns && r.ns < netty.ns)});
            }
        }
        return markdown ? mdTable(head, body) : "== Targets ==\n" + textTable(head, body);
    }

    static String yes(boolean b) {
        return b ? "yes" : "NO";
    }

    // ---------------------------------------------------------------- churn

    static List<ChurnResult> churn(Mode mode, Path nat, Path work) throws IOException, InterruptedException {
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, Long> errors = new LinkedHashMap<>();
        Map<String, String> stats = new LinkedHashMap<>();
        for (String s : CHURN_SERVERS) {
            rates.put(s, new ArrayList<>());
            errors.put(s, 0L);
        }
        for (int round = 0; round < mode.churnRounds; round++) {
            for (int k = 0; k < CHURN_SERVERS.size(); k++) {
                String server = CHURN_SERVERS.get((k + round) % CHURN_SERVERS.size()); // rotate the order each round
                double[] res = new double[2];
                String st = churnOnce(mode, nat, work, server, res);
                rates.get(server).add(res[0]);
                errors.merge(server, (long) res[1], Long::sum);
                stats.put(server, st);
                say(String.format(Locale.ROOT, "churn round %d %-16s %,10.0f conn/s  (%s)", round + 1, server, res[0], st));
            }
        }
        List<ChurnResult> out = new ArrayList<>();
        for (String s : CHURN_SERVERS) {
            out.add(new ChurnResult(s, rates.get(s), errors.get(s), stats.get(s)));
        }
        return out;
    }

    /** Starts one server JVM, runs the load generator against it, stops the server. */
    static String churnOnce(Mode mode, Path nat, Path work, String server, double[] result)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int maxSeconds = (mode.churnWarmupMs + mode.churnMeasureMs) / 1000 + 30;
        // The same JVM flags for every server. --add-exports is there so that the FFM server can
        // register the listener's fd with its own epoll; the JDK and Netty servers ignore it.
        ProcessBuilder pb = new ProcessBuilder(java, "-Xms256m", "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "-D" + CFloor.DIR_PROPERTY + "=" + nat,
                "-Djava.util.logging.config.file=" + nat.resolve("logging.properties"),
                "-cp", System.getProperty("java.class.path"),
                ChurnServer.class.getName(), server, Integer.toString(maxSeconds));
        Path err = work.resolve("server-" + server + ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            if (first == null || !first.startsWith("PORT ")) {
                throw new IOException("churn server " + server + " did not start: " + first + "\n" + Files.readString(err));
            }
            int port = Integer.parseInt(first.substring(5).trim());
            Process gen = new ProcessBuilder(nat.resolve("loadgen").toString(), Integer.toString(port),
                    Integer.toString(mode.churnWarmupMs), Integer.toString(mode.churnMeasureMs),
                    Integer.toString(CHURN_CONCURRENCY)).redirectErrorStream(true).start();
            String genOut = new String(gen.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!gen.waitFor(maxSeconds, TimeUnit.SECONDS) || gen.exitValue() != 0) {
                gen.destroyForcibly();
                throw new IOException("loadgen against " + server + " failed: " + genOut);
            }
            Map<String, String> kv = keyValues(genOut);
            result[0] = Double.parseDouble(kv.get("rate"));
            result[1] = Double.parseDouble(kv.get("errors"));
            p.getOutputStream().close(); // EOF on stdin: the server stops and prints its STATS line
            String stats = "";
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("STATS ")) {
                    stats = line.substring(6);
                }
            }
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                throw new IOException("churn server " + server + " did not stop");
            }
            if (p.exitValue() != 0) {
                throw new IOException("churn server " + server + " exited " + p.exitValue() + "\n" + Files.readString(err));
            }
            return stats;
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly(); // our own child, by its handle
            }
        }
    }

    static Map<String, String> keyValues(String line) {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : line.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                kv.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        if (!kv.containsKey("rate")) {
            throw new IllegalStateException("unexpected loadgen output: " + line);
        }
        return kv;
    }

    static final Map<String, String> CHURN_LABELS = Map.of(
            "tryaccept", "FFM epoll + tryAccept(AcceptBuffer)",
            "tryaccept-defer", "FFM epoll + tryAccept + TCP_DEFER_ACCEPT (read at once)",
            "jdk", "JDK Selector + accept()",
            "netty", "Netty 4.2 epoll (1 event loop)");

    static String churnTable(List<ChurnResult> churn) {
        return "== End-to-end churn (conn/s, " + CHURN_CONCURRENCY + " connections in flight) ==\n"
                + textTable(churnHead(), churnBody(churn));
    }

    static String[] churnHead() {
        return new String[] {"server", "median conn/s", "min", "max", "spread", "x JDK", "runs", "client errors"};
    }

    static List<String[]> churnBody(List<ChurnResult> churn) {
        double jdk = churn.stream().filter(c -> c.server.equals("jdk")).findFirst().orElseThrow().median();
        List<String[]> body = new ArrayList<>();
        for (ChurnResult c : churn) {
            double m = c.median();
            body.add(new String[] {CHURN_LABELS.get(c.server), fmt(m, 0), fmt(c.min(), 0), fmt(c.max(), 0),
                    fmt(100 * (c.max() - c.min()) / m, 0) + "%", fmt(m / jdk, 2), Integer.toString(c.rates.size()),
                    Long.toString(c.errors)});
        }
        return body;
    }

    // ---------------------------------------------------------------- report

    static String loadAverage() {
        try {
            String s = Files.readString(Path.of("/proc/loadavg")).trim();
            String[] f = s.split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String nettyVersion() {
        var v = io.netty.util.Version.identify().get("netty-transport-native-epoll");
        if (v == null) {
            v = io.netty.util.Version.identify().get("netty-transport");
        }
        return v == null ? "unknown" : v.artifactVersion();
    }

    static String markdown(Mode mode, List<Row> rows, List<ChurnResult> churn, String started,
                           String loadBefore, String loadAfter) {
        StringBuilder sb = new StringBuilder();
        String command = "bench/run --" + mode.name().toLowerCase(Locale.ROOT);
        sb.append("# tryaccept benchmark results\n\n");
        sb.append("Written by `").append(command).append("` (org.tryaccept.bench.Report); do not edit by hand. ")
                .append("All numbers below come from one run on one machine: the C floor, the JDK and Netty rows ran ")
                .append("in the same JMH run as the tryAccept rows, so the ratios are side by side.\n\n");
        sb.append("![ratios](ratios.svg)\n\n");
        sb.append("## Environment\n\n");
        String[] head = {"item", "value"};
        List<String[]> env = new ArrayList<>();
        env.add(new String[] {"date", started});
        env.add(new String[] {"mode", mode.name().toLowerCase(Locale.ROOT) + String.format(Locale.ROOT,
                " (JMH: %d pass(es) of one fork per row, order rotated between passes; %d x %d ms warm-up, %d x %d ms measured, -prof gc)", mode.forks, mode.warmups,
                mode.warmupMs, mode.iterations, mode.iterationMs)});
        env.add(new String[] {"OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")});
        env.add(new String[] {"CPU", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores"});
        env.add(new String[] {"memory", memTotal()});
        env.add(new String[] {"JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")});
        env.add(new String[] {"JMH", org.openjdk.jmh.util.Version.getPlainVersion()});
        env.add(new String[] {"Netty", nettyVersion() + " (netty-transport-native-epoll linux-x86_64)"});
        env.add(new String[] {"gcc (C floor, -O2)", CFloor.gccVersion()});
        env.add(new String[] {"load average before / after", loadBefore + " / " + loadAfter
                + " (other work on the machine adds noise; ratios from one run still compare like with like)"});
        sb.append(mdTable(head, env)).append('\n');

        sb.append("## JMH: ns/op and B/op\n\n");
        sb.append("`ns/op` is the mean of the measured JMH iterations of all passes, with the 99.9% confidence half-width "
                + "and the range of those iterations. Each row runs as its own fork in every pass and the row order is rotated "
                + "between passes, so slow minutes on the shared machine spread over all rows. `B/op` is `gc.alloc.rate.norm` from `-prof gc`. C rows loop "
                + CFloor.BATCH + " times per FFM downcall (`@OperationsPerInvocation`), so they measure the system "
                + "calls, not the binding. The client half of the cycle is the same raw socket()+connect() in every "
                + "Java row (FFM, allocation-free) and the same calls in C.\n\n");
        sb.append(table(rows, true));
        sb.append("## Targets\n\n");
        sb.append("\"0 B/op\" is judged against the C rows of the same scenario, which allocate nothing by construction "
                + "but show JMH's noise floor (the harness's own allocation per iteration divided by the operations): "
                + "a row passes when its B/op is at or below max(1, that floor) = ")
                .append(fmt(zeroBytes(rows, NP), 2)).append(" (nothing pending) and ")
                .append(fmt(zeroBytes(rows, CYCLE), 2)).append(" (cycle) in this run.\n\n");
        sb.append(targets(rows, true)).append('\n');
        sb.append(breakdown(rows));
        if (!churn.isEmpty()) {
            sb.append("## End-to-end churn\n\n");
            sb.append("A C load generator (one thread, epoll) keeps ").append(CHURN_CONCURRENCY)
                    .append(" connections in flight against one single-thread server on 127.0.0.1: connect, send a "
                            + "28-byte request, read the 64-byte reply to EOF, close. Each server runs in its own JVM "
                            + "(same flags, -Xmx256m). Each run: ")
                    .append(fmt(mode.churnWarmupMs / 1000.0, 1)).append(" s warm-up, then ")
                    .append(fmt(mode.churnMeasureMs / 1000.0, 1)).append(" s counted; ")
                    .append(mode.churnRounds).append(" rounds, server order rotated every round. Spread = (max - min) / median. "
                            + "The client shares the 2 cores with the server, so these are whole-system numbers.\n\n");
            sb.append(mdTable(churnHead(), churnBody(churn))).append('\n');
            sb.append("Per-run conn/s: ");
            for (ChurnResult c : churn) {
                sb.append(c.server).append(" ").append(c.rates.stream().map(r -> fmt(r, 0)).toList()).append("; ");
            }
            sb.append("\n\nServer-side counts of the last run: ");
            for (ChurnResult c : churn) {
                sb.append(c.server).append(": ").append(c.lastStats).append("; ");
            }
            sb.append("\n\n");
        }
        sb.append("## Reproduce\n\n```\n").append(command).append("      # writes bench/RESULTS.md and bench/ratios.svg\n")
                .append("./demo              # short JMH table only\n```\n");
        return sb.toString();
    }

    /** Where the time goes, computed from the rows of this run. */
    static String breakdown(List<Row> rows) {
        Row accept4 = find(rows, "NothingPending.cFailingAccept4");
        Row cPoll = find(rows, "NothingPending.cPoll");
        Row ffmPoll = find(rows, "NothingPending.ffmPoll");
        Row npBuf = find(rows, "NothingPending.tryAcceptBuffer");
        Row npOpt = find(rows, "NothingPending.tryAcceptOptional");
        Row npNoFlag = find(rows, "NothingPendingNoExports.tryAcceptBuffer");
        Row libPoll = find(rows, "NothingPending.libraryPoll");
        Row provider = find(rows, "NothingPending.providerTryAccept");
        Row cycle = find(rows, "AcceptCycle.cCycle");
        Row algo = find(rows, "AcceptCycle.cCycleAlgorithm");
        Row cyBuf = find(rows, "AcceptCycle.tryAcceptBuffer");
        Row cyOpt = find(rows, "AcceptCycle.tryAcceptOptional");
        Row decode = find(rows, "AcceptCycle.remoteAddressDecode");
        Row cEpoll = find(rows, "NothingPending.cEpollWait");
        StringBuilder sb = new StringBuilder("## Where the time goes\n\n");
        sb.append("Nothing pending (ns/op): failing accept4 in C ").append(fmt(accept4.ns, 0))
                .append("; epoll_wait(timeout 0) in C, the check tryAccept makes on Linux, ").append(fmt(cEpoll.ns, 0))
                .append("; poll in C ").append(fmt(cPoll.ns, 0))
                .append("; one FFM poll downcall from Java ").append(fmt(ffmPoll.ns, 0))
                .append(" (").append(delta(ffmPoll.ns - cPoll.ns, 0)).append(" for the downcall and errno capture)")
                .append("; the library's poll wrapper ").append(fmt(libPoll.ns, 0))
                .append(" (").append(delta(libPoll.ns - ffmPoll.ns, 0)).append(": thread-local scratch lookup)")
                .append("; provider.tryAccept ").append(fmt(provider.ns, 0))
                .append(" (").append(delta(provider.ns - libPoll.ns, 0)).append(": fd lookup, AcceptBuffer ownership CAS, clear, isOpen)")
                .append("; ServerSockets.tryAccept(AcceptBuffer) ").append(fmt(npBuf.ns, 0))
                .append(" (").append(delta(npBuf.ns - provider.ns, 0)).append(": argument, module and blocking-mode checks, provider lookup)")
                .append("; Optional ").append(fmt(npOpt.ns, 0))
                .append("; without --add-exports ").append(fmt(npNoFlag.ns, 0)).append(".\n\n");
        sb.append("Accept cycle (ns/op): C cycle ").append(fmt(cycle.ns, 0))
                .append("; the same cycle with tryAccept's system calls in C (poll + F_DUPFD_CLOEXEC + accept4 + close of the duplicate) ")
                .append(fmt(algo.ns, 0)).append(" (").append(fmt(algo.ns / cycle.ns, 3)).append("x, ")
                .append(delta(algo.ns - cycle.ns, 0)).append(" for the three extra system calls that make it race-free)")
                .append("; tryAccept(AcceptBuffer) from Java ").append(fmt(cyBuf.ns, 0)).append(" (")
                .append(delta(cyBuf.ns - algo.ns, 0)).append(" over that algorithm in C: FFM downcalls, checks, the FFM client)")
                .append("; Optional ").append(fmt(cyOpt.ns, 0)).append(".\n\n");
        sb.append("Accept cycle (B/op): Optional ").append(fmt(cyOpt.bytes, 0)).append(", AcceptBuffer ")
                .append(fmt(cyBuf.bytes, 1)).append("; decoding the peer address alone (AcceptBuffer.remoteAddress(), which "
                        + "reuses the InetAddress of the previous connection when the raw address repeats, as it does here: "
                        + "InetSocketAddress + its holder) ")
                .append(fmt(decode.bytes, 0)).append(" B/op and ").append(fmt(decode.ns, 0))
                .append(" ns/op; the rest of the Optional row is Accepted (24 B) + Optional (16 B) and the noise floor.\n\n");
        sb.append("What this means for the targets: (1) nothing pending: the check tryAccept makes on Linux, epoll_wait in C, is ")
                .append(fmt(cEpoll.ns / accept4.ns, 3)).append("x the failing accept4 on this machine (poll would be ")
                .append(fmt(cPoll.ns / accept4.ns, 3)).append("x); the library adds ")
                .append(delta(npBuf.ns - cEpoll.ns, 0)).append(" ns over C's epoll_wait. (2) cycle: tryAccept's race-free "
                        + "sequence done in C is already ").append(fmt(algo.ns / cycle.ns, 3))
                .append("x the plain cycle, so 1.03x needs fewer system calls per accepted connection, not faster Java.\n\n");
        return sb.toString();
    }
}
