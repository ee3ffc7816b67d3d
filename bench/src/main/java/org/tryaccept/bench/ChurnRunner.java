package org.tryaccept.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.tryaccept.bench.Report.Mode;

import static org.tryaccept.bench.Report.say;
import static org.tryaccept.bench.Tables.fmt;
import static org.tryaccept.bench.Tables.textTable;

/**
 * The connection-churn benchmark: the C load generator against each {@link ChurnServer}, one JVM per
 * run, rounds interleaved with the server order rotated.
 */
final class ChurnRunner {
    static final int CHURN_CONCURRENCY = 32;
    static final List<String> CHURN_SERVERS = List.of("tryaccept", "tryaccept-defer", "jdk", "netty");

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

    private ChurnRunner() {
    }

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
}
