package org.tryaccept.linux.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * examples/HttpServer.java out of file descriptors: under {@code ulimit -n 64}, 200 clients connect
 * and wait before they send. The server accepts until EMFILE and then must back off: the listener
 * stays readable with 150+ connections queued, and a loop that retried at once would burn a whole
 * core (oven-sh/bun issue 32705). Then every client sends its request and must get its answer: the
 * queued connections were not lost, only delayed.
 */
class HttpServerFdExhaustionTest {
    static final int CLIENTS = 200;
    static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux (see `getconf CLK_TCK`)

    @Test
    void backsOffWithoutSpinningAndLosesNoQueuedConnection() throws Exception {
        try (ExampleServer server = ExampleServer.start(64)) {
            List<RawHttp> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    clients.add(new RawHttp(server.port)); // completes in the kernel: the backlog holds them
                }
                // Wait until the server has taken what it can: its fd count stops at the limit.
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (server.openFds() < 62 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                int fds = server.openFds();
                assertTrue(fds >= 62, "the server should run out of fds; it has " + fds + " open\n" + server.output());
                Thread.sleep(300);

                // The stall: idle accepted connections, a full accept queue, no free fd.
                long t0 = System.nanoTime();
                long cpu0 = server.cpuTicks();
                Thread.sleep(2_000);
                long cpu1 = server.cpuTicks();
                double seconds = (System.nanoTime() - t0) / 1e9;
                double share = (cpu1 - cpu0) / (double) CLOCK_TICKS_PER_SECOND / seconds;
                assertTrue(share < 0.10, String.format("server CPU during the EMFILE stall: %.1f%% of a core", 100 * share));
                assertTrue(server.process.isAlive(), server.output());

                // Now every client asks; each is answered (or at worst refused cleanly), within 30 s overall.
                for (RawHttp c : clients) {
                    c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
                }
                int answered = 0;
                int refused = 0;
                List<String> failures = new ArrayList<>();
                long end = System.nanoTime() + 30_000_000_000L;
                for (RawHttp c : clients) {
                    c.socket.setSoTimeout((int) Math.max(1, (end - System.nanoTime()) / 1_000_000));
                    try {
                        String r = c.readResponse();
                        if (r.startsWith("HTTP/1.1 200 OK\r\n") && c.closedByServer()) {
                            answered++;
                        } else {
                            failures.add(r);
                        }
                    } catch (SocketException e) { // a reset: refused, but cleanly
                        refused++;
                    } catch (IOException e) {     // a timeout or a truncated reply: not acceptable
                        failures.add(e.toString());
                    }
                }
                assertEquals(List.of(), failures, "answered " + answered + ", refused " + refused);
                // Nothing was refused either: the connections waited in the kernel's queue.
                assertEquals(CLIENTS, answered, "refused " + refused);
                assertTrue(server.process.isAlive(), server.output());
            } finally {
                for (RawHttp c : clients) {
                    c.close();
                }
            }
        }
    }
}
