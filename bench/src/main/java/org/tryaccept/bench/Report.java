package org.tryaccept.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.tryaccept.bench.ChurnRunner.ChurnResult;
import org.tryaccept.bench.JmhRunner.Row;

import static org.tryaccept.bench.ChurnRunner.churnTable;
import static org.tryaccept.bench.HostFacts.loadAverage;
import static org.tryaccept.bench.JmhTables.table;
import static org.tryaccept.bench.JmhTables.targets;
import static org.tryaccept.bench.ResultsMarkdown.markdown;

/**
 * The benchmark driver behind {@code ./demo} and {@code bench/run}: compiles the C floor, runs the JMH
 * rows side by side (one run, one machine), optionally the end-to-end churn benchmark, prints a table
 * and, except in demo mode, writes {@code RESULTS.md} and {@code ratios.svg}.
 *
 * <p>usage: Report [--demo|--quick|--full] [--e2e|--e2e-quick] [--out DIR] [--root DIR]
 * <ul>
 * <li>--demo: short JMH run of the nothing-pending rows, table on stdout only (with --e2e-quick, the
 * README's first command; about 1 minute)</li>
 * <li>--quick: the same JMH run plus a short churn run; writes the report (under 3 minutes)</li>
 * <li>--full: 3 forks, longer iterations, 7 interleaved churn rounds (under 30 minutes)</li>
 * <li>--e2e: the end-to-end HTTP benchmark with wrk ({@link EndToEndRunner}): all rows, warm-up + 5
 * rounds of 10 s after 10 s warm-up; writes the "End to end" section of RESULTS.md and e2e.svg (about 17 minutes)</li>
 * <li>--e2e-quick: 5 rows, 3 rounds of 3 s, table on stdout only (for ./demo; about 80 s)</li>
 * </ul>
 * A JMH mode and an end-to-end mode can be given together; they run one after the other.
 * Exits non-zero when anything fails (gcc, a benchmark, a server); missed performance targets are
 * findings, reported in the table, not failures.
 */
public final class Report {

    /** Markers of the hand-measured profile section (async-profiler runs, issue 11), kept across runs. */
    static final String PROFILE_BEGIN = "<!-- profile:begin -->";
    static final String PROFILE_END = "<!-- profile:end -->";

    /** @return the profile section of an existing RESULTS.md, with its markers, or "" */
    static String profileSection(String existing) {
        int b = existing.indexOf(PROFILE_BEGIN);
        int e = existing.indexOf(PROFILE_END);
        return b >= 0 && e > b ? existing.substring(b, e + PROFILE_END.length()) + "\n" : "";
    }

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

    static final String USAGE = "usage: Report [--demo|--quick|--full] [--e2e|--e2e-quick] [--out DIR] [--root DIR]";

    static int run(String[] args) throws Exception {
        Mode mode = null;
        EndToEndRunner.Plan e2e = null;
        Path out = Path.of("bench");
        Path root = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--demo" -> mode = Mode.DEMO;
                case "--quick" -> mode = Mode.QUICK;
                case "--full" -> mode = Mode.FULL;
                case "--e2e" -> e2e = EndToEndRunner.Plan.FULL;
                case "--e2e-quick" -> e2e = EndToEndRunner.Plan.QUICK;
                case "--out" -> out = Path.of(args[++i]);
                case "--root" -> root = Path.of(args[++i]);
                default -> {
                    System.err.println(USAGE);
                    return 2;
                }
            }
        }
        if (mode == null && e2e == null) {
            System.err.println(USAGE);
            return 2;
        }
        if (root == null) {
            root = out.toAbsolutePath().getParent(); // --out is the bench directory of the repository
        }
        Path work = Files.createTempDirectory("tryaccept-bench-");
        Path nat = work.resolve("native");
        say("compiling the C floor and load generator with gcc in " + nat);
        CFloor.build(nat);
        // The library logs its fd-access mode once per JVM at INFO; each fork would print it into the
        // table's terminal. The rows' labels already say which mode they run.
        Files.writeString(nat.resolve("logging.properties"),
                "handlers=java.util.logging.ConsoleHandler\n.level=INFO\norg.tryaccept.level=WARNING\n");
        int rc = 0;
        if (mode != null) {
            jmhAndChurn(mode, nat, work, out);
        }
        if (e2e != null) {
            rc = endToEnd(e2e, root, nat, work, out);
        }
        if (rc == 0) {
            deleteTree(work); // kept when anything failed (an exception skips this too), for its logs
        } else {
            say("logs kept in " + work);
        }
        return rc;
    }

    private static void jmhAndChurn(Mode mode, Path nat, Path work, Path out) throws Exception {
        String loadBefore = loadAverage();
        String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        Path log = work.resolve("jmh-logs");
        int rowCount = JmhRunner.keysFor(mode).size();
        long perFork = (long) mode.warmups * mode.warmupMs + (long) mode.iterations * mode.iterationMs + 1700;
        say(String.format(Locale.ROOT, "running %d JMH rows x %d interleaved pass(es), about %d s (-prof gc; logs: %s)",
                rowCount, mode.forks, rowCount * mode.forks * perFork / 1000, log));
        List<Row> rows = JmhRunner.jmh(mode, nat, log);
        System.out.println();
        System.out.print(table(rows, false));
        System.out.println();
        System.out.print(targets(rows, false));
        System.out.println();
        if (mode != Mode.DEMO) {
            System.out.print(JmhTables.breakdown(rows)); // needs the breakdown and cycle rows
        }
        System.out.println("note: " + mode.forks + " pass(es), " + mode.iterations + " x " + mode.iterationMs
                + " ms measured per row. Differences smaller than a row's +/- 99.9% are ties on this machine; "
                + "other work on it (load average now " + loadAverage() + ") widens them. "
                + (mode == Mode.DEMO ? "bench/run --full measures longer and writes bench/RESULTS.md." : ""));
        List<ChurnResult> churn = List.of();
        if (mode.churnRounds > 0) {
            say(String.format(Locale.ROOT, "churn: %d servers x %d interleaved rounds of %.1f s",
                    ChurnRunner.CHURN_SERVERS.size(), mode.churnRounds, (mode.churnWarmupMs + mode.churnMeasureMs) / 1000.0));
            churn = ChurnRunner.churn(mode, nat, work);
            System.out.println();
            System.out.print(churnTable(churn));
        }
        String loadAfter = loadAverage();
        if (mode != Mode.DEMO) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("ratios.svg"), Svg.chart(rows, churn));
            Path results = out.resolve("RESULTS.md");
            // The end-to-end section is written by its own command (--e2e); keep the one already there.
            String existing = Files.exists(results) ? Files.readString(results) : "";
            String kept = EndToEndReport.section(existing) + profileSection(existing);
            Files.writeString(results, markdown(mode, rows, churn, started, loadBefore, loadAfter)
                    + (kept.isEmpty() ? "" : "\n" + kept));
            say("wrote " + results + " and " + out.resolve("ratios.svg"));
        }
    }

    /** The end-to-end benchmark; --e2e writes its section of RESULTS.md and e2e.svg, --e2e-quick only prints. */
    private static int endToEnd(EndToEndRunner.Plan plan, Path root, Path nat, Path work, Path out) throws Exception {
        EndToEndRunner.Result res = EndToEndRunner.run(plan, root, nat, work.resolve("e2e"));
        System.out.println();
        System.out.print(EndToEndReport.text(res));
        if (plan == EndToEndRunner.Plan.FULL) {
            Files.createDirectories(out);
            Path results = out.resolve("RESULTS.md");
            String existing = Files.exists(results) ? Files.readString(results) : "";
            Files.writeString(results, EndToEndReport.splice(existing, EndToEndReport.markdown(res, "bench/run --e2e")));
            Files.writeString(out.resolve("e2e.svg"), Svg.e2eChart(res));
            say("wrote the end-to-end section of " + results + " and " + out.resolve("e2e.svg"));
        }
        boolean failed = res.rows().stream().anyMatch(r -> r.skipped() != null && r.skipped().startsWith("FAILED"));
        return failed ? 1 : 0;
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
}
