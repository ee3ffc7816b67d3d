package org.tryaccept.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

import org.tryaccept.bench.Report.Mode;

import static org.tryaccept.bench.Report.say;

/** Runs the JMH rows (one fork per row and pass, order rotated between passes) and pools their results. */
final class JmhRunner {
    static final String NP = "Nothing pending";
    static final String CYCLE = "Connect + accept + close both";

    /** Row key (Class.method) -> label, in display order. */
    static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        for (String s : List.of("NothingPending", "AcceptCycle")) {
            LABELS.put(s + "AddOpens.tryAcceptOptional", "tryAccept -> Optional (--add-opens: acceptLock)");
            LABELS.put(s + ".tryAcceptOptional", "tryAccept -> Optional (--add-exports)");
            LABELS.put(s + "NoExports.tryAcceptOptional", "tryAccept -> Optional (no flag)");
            LABELS.put(s + "AddOpens.tryAcceptBuffer", "tryAccept -> AcceptBuffer (--add-opens: acceptLock)");
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
        LABELS.put("AcceptCycleAddOpens.ffmAccept4", "bare FFM accept4 on the JDK's fd, no checks (reference)");
        LABELS.put("AcceptCycle.cCycle", "C connect+accept4+close (floor)");
        LABELS.put("AcceptCycle.cCycleEpoll", "C cycle with epoll_wait+accept4 (breakdown: acceptLock mode's calls)");
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

    private JmhRunner() {
    }

    /**
     * Runs every row as its own one-fork JMH run, {@code mode.forks} passes, the order rotated between
     * passes so that each row is measured at different times of the run. On a shared machine the load
     * drifts; JMH alone would run all forks of a row back to back in alphabetical order, and a row that
     * happened to run in a busy minute would look slower than its neighbours (seen here: two rows
     * measuring the same code 12% apart). The per-iteration results of all passes are pooled.
     */
    static List<Row> jmh(Mode mode, Path nat, Path logDir) throws RunnerException, IOException {
        Files.createDirectories(logDir);
        List<String> keys = keysFor(mode);
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
                        // A cycle row runs ~100x fewer operations per second than a nothing-pending row
                        // (~37 us each), so C2 has compiled its FFM paths later: code still in C1 allocates
                        // capture-segment slices (seen as 10-50 B/op in the first iterations with 2 x 1 s).
                        .warmupIterations(key.startsWith("AcceptCycle") ? mode.warmups + 2 : mode.warmups)
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

    /**
     * The rows a mode runs. The demo shows the nothing-pending path only (tryAccept in each fd-access
     * mode against the JDK, Netty and the two C floors its targets are judged on), so that it and the
     * short end-to-end table fit in the README's three minutes; the other modes run every row.
     */
    static List<String> keysFor(Report.Mode mode) {
        List<String> all = new ArrayList<>(LABELS.keySet());
        if (mode != Report.Mode.DEMO) {
            return all;
        }
        return all.stream()
                .filter(k -> k.startsWith("NothingPending"))
                .filter(k -> !LABELS.get(k).contains("(breakdown)") || k.equals("NothingPending.cEpollWait"))
                .toList();
    }

    /** @return true when this run measured the given scenario (the demo measures nothing pending only) */
    static boolean measured(List<Row> rows, String scenario) {
        return rows.stream().anyMatch(r -> r.scenario().equals(scenario));
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
}
