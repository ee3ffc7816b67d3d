package org.tryaccept.linux.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12.4, DESIGN.md section 4: what a client that connects and stays silent experiences against
 * a listener with {@code TCP_DEFER_ACCEPT} of 1, 5, 8 and 30 s, over a real link (veth between two
 * namespaces), measured in the server process by polling {@code tryAccept} every 20 ms.
 * All four run at once, so the test takes as long as the longest (about 31 s).
 *
 * <p>tcp(7) says of TCP_DEFER_ACCEPT: "Takes an integer value (seconds), this can bound the maximum
 * number of attempts TCP will make to complete the connection." The kernel turns the seconds into a
 * number of SYN-ACK retransmissions (initial timeout 1 s, doubling: 1, 3, 7, 15, 31, 63 s) and reports
 * back the time that count covers. While the client's bare ACK is ignored, the connection is not
 * handed out; when the count is used up the kernel sends one more SYN-ACK, the live client ACKs it,
 * and the connection is queued <b>without data</b>. This test asserts:
 * <ul>
 * <li>the read-back values (1 -> 1, 5 -> 7, 8 -> 15, 30 -> 31);</li>
 * <li>no connection is handed out before its read-back time (minus timer slack), each is handed out
 *     after it (bounded), in that order: the real wait is the read-back, not the seconds asked;</li>
 * <li>the first read of such a connection gives EAGAIN (nothing has come), and data sent later
 *     arrives normally;</li>
 * <li>a probe that connects and closes at once without data is handed out immediately, and its
 *     first read is end of stream (its FIN carries a sequence number, so it ends the deferral).</li>
 * </ul>
 * Needs root and network namespaces (skips otherwise).
 */
class DeferralTimeoutTest extends AgentPairTest {
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void silentClientsAreHandedOutWithoutDataAfterTheRetransmissionSchedule() {
        Map<String, Integer> asked = Map.of("d1", 1, "d5", 5, "d8", 8, "d30", 30, "probe", 30);
        Map<String, Integer> port = new HashMap<>();
        Map<String, Integer> readBack = new HashMap<>();
        for (String name : new String[] {"d1", "d5", "d8", "d30", "probe"}) {
            NsProcess.Reply r = server.call("listen " + name + " " + TwoHosts.SERVER_V4 + " 0 " + asked.get(name) + " 0", T);
            port.put(name, r.getInt("port"));
            readBack.put(name, r.getInt("defer"));
        }
        // The kernel's schedule (see the class comment): the seconds the retransmission count covers.
        assertEquals(Map.of("d1", 1, "d5", 7, "d8", 15, "d30", 31, "probe", 31), readBack, "TCP_DEFER_ACCEPT read back");

        Map<String, Long> connectedAt = new HashMap<>();
        for (String name : new String[] {"d1", "d5", "d8", "d30", "probe"}) {
            connectedAt.put(name, Long.parseLong(
                    client.call("connect " + name + " " + TwoHosts.SERVER_V4 + " " + port.get(name) + " 1", T).get("t")));
        }
        // A health-check style probe: connect, then close without sending anything.
        client.call("close probe", T);

        NsProcess.Reply watched = server.call("watch 90000 20 d1 d5 d8 d30 probe", Duration.ofSeconds(120));
        assertEquals("-", watched.get("pending"), "not handed out within 90 s: " + watched.line());
        Map<String, Long> waitedMs = new HashMap<>();
        Map<String, String> firstRead = new HashMap<>();
        StringBuilder report = new StringBuilder("TCP_DEFER_ACCEPT over veth (asked -> read back: handed out after, first read):");
        for (String e : watched.events()) {
            Map<String, String> f = NsProcess.facts(e);
            String name = f.get("name");
            waitedMs.put(name, (Long.parseLong(f.get("t")) - connectedAt.get(name)) / 1_000_000L);
            firstRead.put(name, f.get("read"));
            report.append(String.format("%n  %-5s %2d s -> %2d s: %6d ms, read %s", name, asked.get(name),
                    readBack.get(name), waitedMs.get(name), f.get("read")));
        }
        System.out.println(report);

        for (String name : new String[] {"d1", "d5", "d8", "d30"}) {
            long expectMs = readBack.get(name) * 1000L;
            long waited = waitedMs.get(name);
            // Lower bound: timers fire on time or late, never early; 300 ms covers clock and poll slack.
            assertTrue(waited >= expectMs - 300, name + " handed out after " + waited + " ms, before its "
                    + expectMs + " ms schedule");
            // Upper bound: generous, a loaded 2-core machine may be late, but not by another retransmission.
            assertTrue(waited <= expectMs + 3000, name + " handed out after " + waited + " ms, schedule " + expectMs);
            assertEquals("EAGAIN", firstRead.get(name), name + ": handed out without data, so the first read is EAGAIN");
        }
        assertTrue(waitedMs.get("d30") > 30_000 && waitedMs.get("d30") > waitedMs.get("d8"), waitedMs.toString());
        assertTrue(waitedMs.get("probe") < 3000, "a probe that closes is seen at once: " + waitedMs.get("probe") + " ms");
        assertEquals("EOF", firstRead.get("probe"), "the probe's FIN ends the deferral: end of stream");

        // Handed out without data, but an ordinary connection: data sent now arrives.
        client.call("send d30 late", T);
        assertEquals("4", server.call("read d30 5000", T).get("read"));
    }
}
