package org.tryaccept.linux.netns;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 load client for the namespace tests, run inside the client namespace by
 * {@link NsProcess}: plain blocking {@link Socket}s, one request per connection.
 *
 * <p>Command {@code load FIRST_ID HOST PORT COUNT CONCURRENCY CONNECT_MS RESPONSE_MS}: COUNT
 * connections, CONCURRENCY at a time, ids FIRST_ID, FIRST_ID+1, ...; each connects (timeout
 * CONNECT_MS), writes {@code GET /ID HTTP/1.1} with {@code Connection: close}, and reads until end of
 * stream, at most RESPONSE_MS after the request was written. Each connection ends in one of:
 * <ul>
 * <li>{@code ok}: exactly one complete {@code 200} response (status line, headers, Content-Length
 *     bytes of body), then end of stream, and not one byte more;</li>
 * <li>{@code noconnect}: the connect failed (timed out: every SYN or SYN-ACK lost); no request was
 *     sent, so nothing was owed;</li>
 * <li>{@code timeout}, {@code reset}, {@code eof}: the request was written but no complete response
 *     came before the bound (or the connection was reset, or closed first);</li>
 * <li>{@code wrong}: a response that is not one exact 200 (a second response, extra bytes, another
 *     status).</li>
 * </ul>
 * Answers the counts, the ids of the connections that were not {@code ok} or {@code noconnect}
 * ({@code bad=}), latency percentiles in ms (connect, request-to-end-of-stream, whole connection),
 * how many connections took over 1 s, and this namespace's TCP retransmission counters over the run
 * (/proc/self/net/snmp and netstat are per network namespace).
 */
public final class HttpLoadAgent extends Agent {
    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 200 OK\r\n");
    private static final Pattern LENGTH = Pattern.compile("(?i)\r\ncontent-length:[ \t]*(\\d+)\r\n");

    public static void main(String[] args) {
        new HttpLoadAgent().run();
    }

    @Override
    String handle(String[] w) throws Exception {
        if (!w[0].equals("load")) {
            throw new IllegalArgumentException("unknown command " + w[0]);
        }
        int firstId = Integer.parseInt(w[1]);
        InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(w[2]), Integer.parseInt(w[3]));
        int count = Integer.parseInt(w[4]);
        int concurrency = Integer.parseInt(w[5]);
        int connectMs = Integer.parseInt(w[6]);
        int responseMs = Integer.parseInt(w[7]);

        String[] outcome = new String[count];
        int[] responses = new int[count];
        long[] connectNs = new long[count];
        long[] responseNs = new long[count];
        long[] totalNs = new long[count];
        Map<String, Long> before = counters();
        long start = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            Thread th = new Thread(() -> {
                for (int i; (i = next.getAndIncrement()) < count; ) {
                    one(to, firstId + i, connectMs, responseMs, i, outcome, responses, connectNs, responseNs, totalNs);
                }
            }, "load-" + t);
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        long wallMs = (System.nanoTime() - start) / 1_000_000L;
        Map<String, Long> after = counters();

        Map<String, Integer> by = new TreeMap<>();
        for (String k : List.of("ok", "noconnect", "timeout", "reset", "eof", "wrong")) {
            by.put(k, 0);
        }
        StringJoiner bad = new StringJoiner(",").setEmptyValue("-"); // the first 20 only
        int badCount = 0;
        int twice = 0;
        int over1s = 0;
        List<Long> connected = new ArrayList<>();
        List<Long> answered = new ArrayList<>();
        List<Long> whole = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String o = outcome[i].substring(0, outcome[i].indexOf(':') < 0 ? outcome[i].length() : outcome[i].indexOf(':'));
            by.merge(o, 1, Integer::sum);
            if (!o.equals("ok") && !o.equals("noconnect") && badCount++ < 20) {
                bad.add((firstId + i) + "/" + outcome[i].replace(' ', '_').replace(',', ';'));
            }
            if (responses[i] > 1) {
                twice++;
            }
            if (!o.equals("noconnect")) {
                connected.add(connectNs[i]);
                whole.add(totalNs[i]);
                if (o.equals("ok")) {
                    answered.add(responseNs[i]);
                }
                if (totalNs[i] > 1_000_000_000L) {
                    over1s++;
                }
            }
        }
        StringBuilder r = new StringBuilder();
        by.forEach((k, v) -> r.append(k).append('=').append(v).append(' '));
        r.append("connected=").append(connected.size()).append(" answeredTwice=").append(twice)
                .append(" over1s=").append(over1s).append(" wallMs=").append(wallMs)
                .append(" connectMs=").append(percentiles(connected))
                .append(" responseMs=").append(percentiles(answered))
                .append(" totalMs=").append(percentiles(whole));
        for (String k : after.keySet()) {
            r.append(' ').append(k).append('=').append(after.get(k) - before.getOrDefault(k, 0L));
        }
        return r.append(" bad=").append(bad).toString();
    }

    /** One connection, one request, one response; the outcome is "kind[:detail]". */
    private static void one(InetSocketAddress to, int id, int connectMs, int responseMs, int i, String[] outcome,
            int[] responses, long[] connectNs, long[] responseNs, long[] totalNs) {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            try {
                s.connect(to, connectMs);
            } catch (IOException e) {
                outcome[i] = "noconnect:" + e.getClass().getSimpleName();
                totalNs[i] = System.nanoTime() - t0;
                return;
            }
            long t1 = System.nanoTime();
            connectNs[i] = t1 - t0;
            s.getOutputStream().write(("GET /" + id + " HTTP/1.1\r\nHost: " + to.getAddress().getHostAddress()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            long deadline = t1 + responseMs * 1_000_000L;
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] b = new byte[4096];
            String end;
            try {
                while (true) {
                    long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        end = "timeout";
                        break;
                    }
                    s.setSoTimeout((int) Math.max(1, left));
                    int n = in.read(b);
                    if (n < 0) {
                        end = "eof";
                        break;
                    }
                    got.write(b, 0, n);
                }
            } catch (SocketTimeoutException e) {
                end = "timeout";
            } catch (IOException e) {
                end = "reset:" + e.getMessage();
            }
            long t2 = System.nanoTime();
            responseNs[i] = t2 - t1;
            totalNs[i] = t2 - t0;
            String text = new String(got.toByteArray(), StandardCharsets.ISO_8859_1);
            responses[i] = count(text, "HTTP/1.");
            boolean exact = exactlyOne200(text);
            if (end.equals("eof")) {
                outcome[i] = exact ? "ok" : got.size() == 0 ? "eof:no_bytes" : "wrong:" + got.size() + "_bytes,"
                        + responses[i] + "_responses";
            } else {
                outcome[i] = end + ":" + got.size() + "_bytes_after_" + responseNs[i] / 1_000_000L + "ms";
            }
        } catch (IOException e) {
            outcome[i] = "reset:" + e.getMessage(); // the request write itself failed
            totalNs[i] = System.nanoTime() - t0;
        }
    }

    /** The whole text is one 200 response: status line, headers, blank line, Content-Length bytes, nothing more. */
    static boolean exactlyOne200(String text) {
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0 || !STATUS.matcher(text).find()) {
            return false;
        }
        Matcher m = LENGTH.matcher(text.substring(0, headEnd + 4));
        return m.find() && text.length() == headEnd + 4 + Integer.parseInt(m.group(1));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }

    /** p50/p90/p99/max in ms, as "a/b/c/d". */
    static String percentiles(List<Long> ns) {
        if (ns.isEmpty()) {
            return "-";
        }
        long[] v = ns.stream().mapToLong(Long::longValue).sorted().toArray();
        StringJoiner j = new StringJoiner("/");
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            j.add(Long.toString(v[(int) Math.min(v.length - 1, Math.ceil(q * v.length) - 1)] / 1_000_000L));
        }
        return j.add(Long.toString(v[v.length - 1] / 1_000_000L)).toString();
    }

    /** This network namespace's TCP counters that show loss recovery (proc(5) /proc/net/snmp, netstat). */
    static Map<String, Long> counters() throws IOException {
        Map<String, Long> m = new TreeMap<>();
        pick(Path.of("/proc/self/net/snmp"), "Tcp:", Arrays.asList("ActiveOpens", "RetransSegs"), m);
        pick(Path.of("/proc/self/net/netstat"), "TcpExt:", Arrays.asList("TCPSynRetrans", "TCPTimeouts",
                "TCPLossProbes"), m);
        return m;
    }

    /** The named fields of a "Prefix: names..." / "Prefix: values..." line pair. */
    static void pick(Path file, String prefix, List<String> names, Map<String, Long> into) throws IOException {
        List<String> lines = Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix)).toList();
        for (int i = 0; i + 1 < lines.size(); i += 2) {
            String[] k = lines.get(i).split(" +");
            String[] v = lines.get(i + 1).split(" +");
            for (int j = 1; j < k.length && j < v.length; j++) {
                if (names.contains(k[j])) {
                    into.put(k[j], Long.parseLong(v[j]));
                }
            }
        }
    }

    @Override
    void cleanUp() {
        // every socket is closed by the end of its own connection
    }
}
