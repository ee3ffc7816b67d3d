package org.tryaccept.linux.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** examples/HttpServer.java with --defer (TCP_DEFER_ACCEPT, read at once) and with --loops (SO_REUSEPORT). */
class HttpServerOptionsTest {

    @Test
    void deferReadsAtOnceAndStillServesSlowClientsAndKeepAlive() throws Exception {
        try (ExampleServer server = ExampleServer.start("--defer", "1")) {
            assertTrue(server.output().contains("TCP_DEFER_ACCEPT 1 s"), server.output());
            String curl = HttpServerExampleTest.curl(server.port);
            assertTrue(curl.contains("Re-using existing connection"), curl); // registered after the first reply
            assertEquals(2, HttpServerExampleTest.count(curl, HttpServerExampleTest.OK_BODY), curl);
            for (int i = 0; i < 20; i++) {
                try (RawHttp c = new RawHttp(server.port)) {
                    String r = c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").readResponse();
                    assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
                    assertTrue(c.closedByServer());
                }
            }
            // A client that connects and speaks later: the kernel defers it until its bytes arrive; the
            // request comes in two pieces, so the first read at accept finds only part of it.
            try (RawHttp c = new RawHttp(server.port)) {
                Thread.sleep(300);
                c.send("GET / HTTP/1.1\r\n");
                Thread.sleep(100);
                String r = c.send("Host: t\r\n\r\n").readResponse();
                assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
            }
            try (RawHttp c = new RawHttp(server.port)) {
                assertTrue(c.send("nonsense\r\n\r\n").readResponse().startsWith("HTTP/1.1 400 "));
            }
            assertTrue(server.process.isAlive(), server.output());
        }
    }

    @Test
    void loopsShareThePortThroughSoReusePortAndAllServe() throws Exception {
        try (ExampleServer server = ExampleServer.start("--loops", "2")) {
            assertEquals(2, HttpServerExampleTest.listeners(server.port), "one SO_REUSEPORT listener per loop");
            assertTrue(threadNames(server.pid()).contains("loop-1"), "the second loop runs in its own thread");
            String curl = HttpServerExampleTest.curl(server.port);
            assertTrue(curl.contains("Re-using existing connection"), curl);
            // Connections from many source ports: the kernel hashes them over both listeners.
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> replies = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    replies.add(pool.submit(() -> {
                        try (RawHttp c = new RawHttp(server.port)) {
                            return c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").readResponse();
                        }
                    }));
                }
                for (Future<String> f : replies) {
                    String r = f.get(30, TimeUnit.SECONDS);
                    assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(server.process.isAlive(), server.output());
        }
    }

    static List<String> threadNames(long pid) throws Exception {
        List<String> names = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                names.add(Files.readString(t.resolve("comm")).strip());
            }
        }
        return names;
    }
}
