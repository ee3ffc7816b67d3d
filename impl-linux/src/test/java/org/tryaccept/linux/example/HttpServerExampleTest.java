package org.tryaccept.linux.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * examples/HttpServer.java (no options) against real clients (the JDK's HttpClient, curl) and against
 * hand-written requests for what real clients never send. One server for the class: starting the
 * single-file program costs seconds.
 */
class HttpServerExampleTest {
    static final String OK_BODY = "Hello, world\n";
    private static ExampleServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ExampleServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void httpClientGetsItsAnswersOverOneKeptAliveConnection() throws Exception {
        Set<Integer> before = clientPortsTo(server.port);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            for (String path : List.of("/", "/a/b?c=d", "/x")) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(server.port, path))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), path);
                assertEquals(OK_BODY, r.body(), path);
                assertEquals(HttpClient.Version.HTTP_1_1, r.version());
            }
            // The three requests went over one connection, which is still open: the server kept it alive.
            Set<Integer> opened = clientPortsTo(server.port);
            opened.removeAll(before);
            assertEquals(1, opened.size(), "client connections opened for 3 requests: " + opened);
            assertEquals(1, established(server.port, opened.iterator().next()), "the one connection is still open");
        }
    }

    @Test
    void httpClientWithDefaultVersionIsAnsweredOverHttp11() throws Exception {
        // The default client offers an upgrade to h2c; the server ignores it, as HTTP/1.1 allows.
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(server.port, "/upgrade"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals(OK_BODY, r.body());
        }
    }

    @Test
    void curlReusesTheConnectionForTwoUrls() throws Exception {
        String out = curl(server.port);
        assertTrue(out.contains("Re-using existing connection"), out);
        assertEquals(2, count(out, "< HTTP/1.1 200 OK"), out);
        assertEquals(2, count(out, OK_BODY), out);
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneSocket() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            for (int i = 0; i < 3; i++) {
                String r = c.send("GET /" + i + " HTTP/1.1\r\nHost: t\r\n\r\n").readResponse();
                assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
                assertFalse(r.contains("Connection: close"), r);
                assertTrue(r.endsWith(OK_BODY), r);
            }
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            String r = c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, Close\r\n\r\n").readResponse();
            assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
            assertTrue(r.contains("\r\nConnection: close\r\n"), r);
            assertTrue(c.closedByServer(), "the server closes after the reply");
        }
    }

    @Test
    void http10ClosesUnlessAskedToKeepAlive() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            String r = c.send("GET / HTTP/1.0\r\n\r\n").readResponse();
            assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n") && r.endsWith(OK_BODY), r);
            assertTrue(c.closedByServer(), "HTTP/1.0 without keep-alive: closed after the reply");
        }
        try (RawHttp c = new RawHttp(server.port)) {
            for (int i = 0; i < 2; i++) {
                String r = c.send("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").readResponse();
                assertTrue(r.contains("\r\nConnection: keep-alive\r\n"), r); // an HTTP/1.0 client needs to be told
            }
        }
    }

    @Test
    void pipelinedAndSplitRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\nPOST /2 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhelloGET /3 HT");
            Thread.sleep(100); // the rest of the third request in a later read
            c.send("TP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            for (int i = 0; i < 2; i++) {
                String r = c.readResponse();
                assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n") && !r.contains("Connection: close"), r);
            }
            assertTrue(c.readResponse().contains("\r\nConnection: close\r\n"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void headGetsTheHeadWithoutTheBody() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            String all = new String(c.socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            // The HEAD reply announces 13 bytes but carries none; the GET reply follows at once.
            assertTrue(all.startsWith("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHTTP/1.1 200 OK\r\n"), all);
            assertEquals(1, count(all, OK_BODY), all);
        }
    }

    @Test
    void malformedRequestLinesGet400AndAClose() throws Exception {
        for (String bad : List.of("garbage\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/2.0\r\nHost: t\r\n\r\n",
                "GET  / HTTP/1.1\r\nHost: t\r\n\r\n", "GET / HTTP/1.1\r\n\r\n" /* no Host */,
                "GET / HTTP/1.1\r\nHost : t\r\n\r\n", "G\u0001T / HTTP/1.1\r\nHost: t\r\n\r\n")) {
            try (RawHttp c = new RawHttp(server.port)) {
                String r = c.send(bad).readResponse();
                assertTrue(r.startsWith("HTTP/1.1 400 Bad Request\r\n"), bad + " -> " + r);
                assertTrue(c.closedByServer(), bad);
            }
        }
        try (RawHttp c = new RawHttp(server.port)) { // wrong from its first line: no need to wait for the rest
            String r = c.send("BROKEN\r\nHost: t\r\n").readResponse();
            assertTrue(r.startsWith("HTTP/1.1 400 Bad Request\r\n"), r);
        }
    }

    @Test
    void headerBlockLargerThanTheBufferGets431AndAClose() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            String r = c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n").readResponse();
            assertTrue(r.startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"), r);
            // Closed cleanly (end of stream, not a reset) although the client had sent more than was read.
            assertTrue(c.closedByServer());
        }
        try (RawHttp c = new RawHttp(server.port)) { // the same, arriving in pieces
            c.send("GET / HTTP/1.1\r\nHost: t\r\n");
            for (int i = 0; i < 10; i++) {
                Thread.sleep(20);
                c.send("X-" + i + ": " + "b".repeat(1000) + "\r\n");
            }
            assertTrue(c.readResponse().startsWith("HTTP/1.1 431 "));
            assertTrue(c.closedByServer());
        }
        try (RawHttp c = new RawHttp(server.port)) { // just below the limit is fine
            String r = c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + "a".repeat(7_000) + "\r\n\r\n").readResponse();
            assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
        }
    }

    @Test
    void aClientThatResetsDoesNotDisturbTheServer() throws Exception {
        try (RawHttp c = new RawHttp(server.port)) {
            c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
            c.socket.setSoLinger(true, 0); // reset instead of a clean close
        }
        assertTrue(curl(server.port).contains("Re-using existing connection"));
        assertTrue(server.process.isAlive(), server.output());
    }

    static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** curl -v with two URLs on one command line: curl reuses a kept-alive connection for the second. */
    static String curl(int port) throws IOException, InterruptedException {
        assumeTrue(onPath("curl"), "curl is not installed");
        Process p = new ProcessBuilder("curl", "-sv", "--max-time", "10", uri(port, "/one").toString(),
                uri(port, "/two").toString()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "curl did not finish");
            assertEquals(0, p.exitValue(), out);
            return out;
        } finally {
            p.destroyForcibly();
        }
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    /** Local ports of this machine's TCP sockets whose remote port is {@code port} (proc(5) /proc/net/tcp). */
    static Set<Integer> clientPortsTo(int port) throws IOException {
        Set<Integer> ports = new HashSet<>();
        for (String[] f : tcpTable()) {
            if (port(f[2]) == port) {
                ports.add(port(f[1]));
            }
        }
        return ports;
    }

    /** How many client sockets from local port {@code local} to {@code port} are ESTABLISHED (state 01). */
    static int established(int port, int local) throws IOException {
        int n = 0;
        for (String[] f : tcpTable()) {
            if (port(f[2]) == port && port(f[1]) == local && f[3].equals("01")) {
                n++;
            }
        }
        return n;
    }

    /** Sockets LISTENing (state 0A) on {@code port}. */
    static int listeners(int port) throws IOException {
        int n = 0;
        for (String[] f : tcpTable()) {
            if (port(f[1]) == port && f[3].equals("0A")) {
                n++;
            }
        }
        return n;
    }

    /** Both tables: the JDK opens dual-stack IPv6 sockets, so its loopback connections are ::ffff:127.0.0.1 in tcp6. */
    private static List<String[]> tcpTable() throws IOException {
        List<String[]> rows = new java.util.ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Files.readAllLines(Path.of(table)).stream().skip(1).map(l -> l.trim().split("\\s+")).forEach(rows::add);
        }
        return rows;
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.lastIndexOf(':') + 1), 16);
    }
}
