package org.tryaccept.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tryaccept.bench.ChurnRunner.ChurnResult;
import org.tryaccept.bench.JmhRunner.Row;
import org.tryaccept.bench.Report.Mode;

import static org.tryaccept.bench.ChurnRunner.CHURN_CONCURRENCY;
import static org.tryaccept.bench.ChurnRunner.churnBody;
import static org.tryaccept.bench.ChurnRunner.churnHead;
import static org.tryaccept.bench.HostFacts.cpuModel;
import static org.tryaccept.bench.HostFacts.memTotal;
import static org.tryaccept.bench.HostFacts.nettyVersion;
import static org.tryaccept.bench.JmhRunner.CYCLE;
import static org.tryaccept.bench.JmhRunner.NP;
import static org.tryaccept.bench.JmhTables.breakdown;
import static org.tryaccept.bench.JmhTables.table;
import static org.tryaccept.bench.JmhTables.targets;
import static org.tryaccept.bench.JmhTables.zeroBytes;
import static org.tryaccept.bench.Tables.fmt;
import static org.tryaccept.bench.Tables.mdTable;

/** bench/RESULTS.md from the results of one run: environment, JMH tables, targets, breakdown, churn. */
final class ResultsMarkdown {
    private ResultsMarkdown() {
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
                sb.append(c.server()).append(" ").append(c.rates().stream().map(r -> fmt(r, 0)).toList()).append("; ");
            }
            sb.append("\n\nServer-side counts of the last run: ");
            for (ChurnResult c : churn) {
                sb.append(c.server()).append(": ").append(c.lastStats()).append("; ");
            }
            sb.append("\n\n");
        }
        sb.append("## Reproduce\n\n```\n").append(command).append("      # writes bench/RESULTS.md and bench/ratios.svg\n")
                .append("./demo              # short JMH table only\n```\n");
        return sb.toString();
    }
}
