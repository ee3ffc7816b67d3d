package org.tryaccept.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tryaccept.bench.EndToEndRunner.Result;
import org.tryaccept.bench.EndToEndRunner.RowResult;
import org.tryaccept.bench.EndToEndRunner.Sample;

import static org.tryaccept.bench.Tables.fmt;
import static org.tryaccept.bench.Tables.mdTable;
import static org.tryaccept.bench.Tables.textTable;

/**
 * The end-to-end results as a table, the targets of DESIGN section 6 judged within the same run, and
 * the "End to end" section of RESULTS.md (between markers, so that the JMH report and this one can be
 * rewritten by their own commands without erasing each other).
 */
final class EndToEndReport {
    static final String BEGIN = "<!-- end-to-end: begin (bench/run --e2e) -->";
    static final String END = "<!-- end-to-end: end -->";

    private EndToEndReport() {
    }

    static String[] head() {
        return new String[] {"row", "conn/s (median; keep-alive rows: req/s)", "CPU us/conn (median)", "CPU us/conn min-max", "spread",
                "p99 latency (median)", "errors", "runs"};
    }

    static List<String[]> body(Result res) {
        List<String[]> body = new ArrayList<>();
        for (RowResult r : res.rows()) {
            if (r.skipped() != null) {
                body.add(new String[] {r.row().label(), "skipped (see below)", "-", "-", "-", "-", "-", "0"});
                continue;
            }
            double cpu = r.median(Sample::cpuUsPerConn);
            double p99 = r.median(Sample::p99Ms);
            body.add(new String[] {r.row().label(), fmt(r.median(Sample::connPerSec), 0), fmt(cpu, 2),
                    fmt(r.min(Sample::cpuUsPerConn), 2) + "-" + fmt(r.max(Sample::cpuUsPerConn), 2),
                    fmt(100 * (r.max(Sample::cpuUsPerConn) - r.min(Sample::cpuUsPerConn)) / cpu, 0) + "%",
                    Double.isNaN(p99) ? "n/a" : fmt(p99, 2) + " ms", Long.toString(r.errors()),
                    Integer.toString(r.samples().size())});
        }
        return body;
    }

    /** Why rows did not run, one line each (kept out of the table so that its columns stay readable). */
    static List<String> skipped(Result res) {
        return res.rows().stream().filter(r -> r.skipped() != null)
                .map(r -> "skipped: " + r.row().id() + ": " + r.skipped()).toList();
    }

    /** The targets, each judged only from rows of this run; a missing row is said, never guessed. */
    static List<String> targets(Result res) {
        List<String> out = new ArrayList<>();
        target(out, res, "example-defer", "c-defer", 1.10, "example --defer 1 <= 1.10x C floor with deferral");
        target(out, res, "example-defer", "nginx-deferred", 1.0, "example --defer 1 <= nginx deferred");
        target(out, res, "example-defer", "jdk", 0.65, "example --defer 1 <= 0.65x plain JDK Selector server");
        target(out, res, "example", "nginx", 1.0, "example without deferral <= nginx without deferral");
        return out;
    }

    private static void target(List<String> out, Result res, String mine, String ref, double factor, String what) {
        RowResult a = res.row(mine);
        RowResult b = res.row(ref);
        String prefix = "target (server CPU per connection) " + what + ": ";
        if (a == null || b == null || a.skipped() != null || b.skipped() != null) {
            String why = a == null || a.skipped() != null ? mine + (a == null ? " not in this run" : " " + a.skipped())
                    : ref + (b == null ? " not in this run" : " " + b.skipped());
            out.add(prefix + "NOT JUDGED (" + why + ")");
            return;
        }
        double x = a.median(Sample::cpuUsPerConn);
        double y = b.median(Sample::cpuUsPerConn);
        out.add(prefix + (x <= factor * y ? "YES" : "NO") + String.format(Locale.ROOT,
                " (%.2f us vs %.2f us: %.3fx, limit %.2fx)", x, y, x / y, factor));
    }

    static String text(Result res) {
        StringBuilder sb = new StringBuilder("== End to end: HTTP/1.1 churn, " + EndToEndRunner.CONNECTIONS
                + " connections, client " + res.client() + " ==\n");
        sb.append(textTable(head(), body(res)));
        for (String t : skipped(res)) {
            sb.append(t).append('\n');
        }
        for (String t : targets(res)) {
            sb.append(t).append('\n');
        }
        sb.append("note: ").append(res.plan().rounds).append(" rounds x ").append(res.plan().seconds)
                .append(" s per row (after ").append(res.plan().warmupSeconds).append(" s warm-up each); CPU us/conn = ")
                .append("server utime+stime over the run / requests (the number to compare; conn/s moves with other work ")
                .append("on the machine, load average now ").append(HostFacts.loadAverage()).append(").\n");
        return sb.toString();
    }

    /** The RESULTS.md section, markers included. */
    static String markdown(Result res, String command) {
        StringBuilder sb = new StringBuilder(BEGIN).append("\n## End to end\n\n");
        sb.append("Written by `").append(command).append("` on ").append(res.started())
                .append("; everything in this section comes from that one run (the JMH sections above may come from another).\n\n");
        sb.append("![end to end](e2e.svg)\n\n");
        sb.append(mdTable(head(), body(res))).append('\n');
        for (String t : skipped(res)) {
            sb.append("- ").append(t).append('\n');
        }
        sb.append("\nTargets (DESIGN section 6), judged from the rows above only:\n\n");
        for (String t : targets(res)) {
            sb.append("- ").append(t).append('\n');
        }
        sb.append("\n### Method\n\n");
        List<String[]> m = new ArrayList<>();
        m.add(new String[] {"machine", HostFacts.cpuModel() + ", " + Runtime.getRuntime().availableProcessors()
                + " CPUs, " + HostFacts.memTotal()});
        m.add(new String[] {"kernel", System.getProperty("os.name") + " " + System.getProperty("os.version")});
        m.add(new String[] {"client", res.client() + ": `wrk -t1 -c" + EndToEndRunner.CONNECTIONS + " -d<secs>s --latency "
                + "--timeout 5s -H 'Connection: close' http://127.0.0.1:PORT/` (keep-alive rows: without the header)"});
        m.add(new String[] {"pinning", res.pinned() ? "server `taskset -c 0` (all its threads: JIT and GC included; nginx: "
                + "master and worker), client `taskset -c 1`" : "none (fewer than 2 CPUs or no taskset)"});
        m.add(new String[] {"rounds", res.plan().warmupSeconds + " s warm-up per row, then " + res.plan().rounds
                + " rounds x " + res.plan().seconds + " s per row, row order rotated between rounds; every server "
                + "started once and kept running"});
        m.add(new String[] {"server CPU", "utime + stime from /proc/PID/stat (proc(5)), the process line (all threads) "
                + "plus its descendants, delta over the wrk run, clock ticks / " + res.clkTck() + " (getconf CLK_TCK), "
                + "divided by the requests wrk completed (= connections with Connection: close)"});
        m.add(new String[] {"spread", "(max - min) / median of CPU us/conn over the rounds"});
        m.add(new String[] {"errors", "wrk's socket errors (connect, read, write, timeout) + non-2xx/3xx, summed over the rounds"});
        m.add(new String[] {"Java servers", "JDK " + System.getProperty("java.runtime.version") + ", one JVM each, flags `"
                + res.javaFlags() + "` (GC and JIT threads chosen by ergonomics for 1 CPU)"});
        m.add(new String[] {"servers", "single-thread; any path -> 200 with a 13-byte body; keep-alive unless the request "
                + "says Connection: close. C floor: bench/src/main/c/httpfloor.c (gcc -O2). nginx: generated config, "
                + "worker_processes 1, access_log off, `return 200`. JDK and Netty: bench E2eServer"});
        m.add(new String[] {"load average before / after", res.loadBefore() + " / " + res.loadAfter()});
        sb.append(mdTable(new String[] {"item", "value"}, m)).append('\n');
        sb.append("Per-run CPU us/conn: ");
        for (RowResult r : res.rows()) {
            if (r.skipped() == null) {
                sb.append(r.row().id()).append(" ").append(r.samples().stream().map(s -> fmt(s.cpuUsPerConn(), 2)).toList())
                        .append("; ");
            }
        }
        sb.append("\n\n").append(END).append('\n');
        return sb.toString();
    }

    /** The RESULTS.md text with its end-to-end section replaced by {@code section}, or appended. */
    static String splice(String existing, String section) {
        int b = existing.indexOf(BEGIN);
        int e = existing.indexOf(END);
        if (b >= 0 && e > b) {
            return existing.substring(0, b) + section + existing.substring(e + END.length()).replaceFirst("^\\n", "");
        }
        return existing + (existing.isEmpty() || existing.endsWith("\n\n") ? "" : "\n") + section;
    }

    /** The end-to-end section of an existing RESULTS.md, or "" (kept when the JMH report is rewritten). */
    static String section(String existing) {
        int b = existing.indexOf(BEGIN);
        int e = existing.indexOf(END);
        return b >= 0 && e > b ? existing.substring(b, e + END.length()) + "\n" : "";
    }
}
