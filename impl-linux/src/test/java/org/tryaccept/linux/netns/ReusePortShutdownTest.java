package org.tryaccept.linux.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12.6: three listeners share one port with {@code SO_REUSEPORT} (socket(7): "incoming
 * connections are distributed across the listening sockets"; the kernel picks one by a hash of the
 * connection's addresses and ports), 60 clients from the other namespace connect and stay silent.
 * What closing one listener does to the connections already queued on it (accept(2): completed
 * connections wait in the listener's queue until accepted):
 * <ul>
 * <li>{@code net.ipv4.tcp_migrate_req=0} (the default): they are reset. Each client sees
 *     ECONNRESET, the other listeners never get them, and every client that was not reset is
 *     handed out by the other two listeners. New connections after the close go to the others.</li>
 * <li>{@code net.ipv4.tcp_migrate_req=1} (Linux 5.14+, per namespace): they move to the other
 *     listeners of the group; nothing is reset and all 60 are handed out.</li>
 * <li>the shutdown order that loses nothing without the sysctl when no client arrives meanwhile:
 *     drain the listener with {@code tryAccept} until it is empty, then close it.</li>
 * <li>while clients keep arriving (a paced stream of 200), the close happens mid-stream: with
 *     {@code tcp_migrate_req=1} still nothing is reset; with 0, drain-then-close leaves a window
 *     (a connection queued between the last empty {@code tryAccept} and {@code close}) whose losses
 *     are counted and reported, and every client is either reset or handed out.</li>
 * </ul>
 * Clients sit in their own namespace, so a reset is a real RST over the veth that the client sees.
 * Needs root and network namespaces (skips otherwise).
 */
class ReusePortShutdownTest extends AgentPairTest {
    private static final int CLIENTS = 60;
    /** Listeners NAME0, NAME1, NAME2 on one port; returns it. */
    private static int group(String name) {
        int port = server.call("listen " + name + "0 " + TwoHosts.SERVER_V4 + " 0 0 1", T).getInt("port");
        server.call("listen " + name + "1 " + TwoHosts.SERVER_V4 + " " + port + " 0 1", T);
        server.call("listen " + name + "2 " + TwoHosts.SERVER_V4 + " " + port + " 0 1", T);
        return port;
    }

    /** {@code count} silent clients; returns their local ports. */
    private static Set<String> connect(String name, int port, int count) {
        Set<String> ports = ports(client.call("connect " + name + " " + TwoHosts.SERVER_V4 + " " + port + " " + count, T)
                .get("ports"));
        assertEquals(count, ports.size());
        // connect() returns when the SYN-ACK arrives; the client's final ACK, which moves the connection
        // into a listener's accept queue, is still on the wire for some microseconds. Give it ample time.
        TwoHosts.sleep(300);
        return ports;
    }

    private static void migrateReq(String value) {
        NsProcess.Reply r = server.call("sysctl net.ipv4.tcp_migrate_req " + value, T);
        Assumptions.assumeTrue(r.get("exists").equals("true"), "net.ipv4.tcp_migrate_req needs Linux 5.14+");
        assertEquals(value, r.get("now"));
    }

    static Set<String> ports(String list) {
        return list.equals("-") ? Set.of() : new TreeSet<>(Arrays.asList(list.split(",")));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void closingAListenerResetsTheConnectionsQueuedOnIt() {
        migrateReq("0");
        int port = group("a");
        Set<String> all = connect("A", port, CLIENTS);
        server.call("close a0", T); // without accepting anything from it
        TwoHosts.sleep(200);        // the RSTs cross the veth
        NsProcess.Reply check = client.call("check A", T);
        Set<String> reset = ports(check.get("reset"));
        Set<String> open = ports(check.get("open"));
        for (String kind : new String[] {"eof", "data", "error"}) {
            assertEquals("-", check.get(kind), "a client that is neither reset nor open: " + check.line());
        }
        Set<String> accepted = ports(server.call("drain 5000 " + open.size() + " a1 a2", T).get("ports"));
        System.out.printf("SO_REUSEPORT, 3 listeners, %d clients, tcp_migrate_req=0: closing one reset %d, the other two"
                + " handed out %d%n", CLIENTS, reset.size(), accepted.size());
        // The hash spreads 60 connections over 3 listeners: none on the closed one has probability (2/3)^60.
        assertTrue(!reset.isEmpty(), "no connection was queued on the closed listener? " + check.line());
        assertEquals(open, accepted, "exactly the clients not reset are handed out by the others");
        Set<String> union = new HashSet<>(reset);
        union.addAll(accepted);
        assertEquals(all, union, "every client is either reset or accepted");
        assertEquals(0, server.call("drain 300 -1 a1 a2", T).getInt("n"), "no reset connection reappears");

        // After the close the group has two members, and every new connection lands on one of them.
        Set<String> later = connect("A2", port, 30);
        assertEquals(later, ports(server.call("drain 5000 30 a1 a2", T).get("ports")));
        assertEquals("-", client.call("check A2", T).get("reset"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void withMigrateReqTheQueuedConnectionsMoveToTheOtherListeners() {
        migrateReq("1");
        try {
            int port = group("b");
            Set<String> all = connect("B", port, CLIENTS);
            server.call("close b0", T);
            TwoHosts.sleep(200);
            NsProcess.Reply check = client.call("check B", T);
            Set<String> accepted = ports(server.call("drain 5000 " + CLIENTS + " b1 b2", T).get("ports"));
            System.out.printf("SO_REUSEPORT, 3 listeners, %d clients, tcp_migrate_req=1: closing one reset %d, the other two"
                    + " handed out %d%n", CLIENTS, ports(check.get("reset")).size(), accepted.size());
            assertEquals("-", check.get("reset"), "migrated connections are not reset");
            assertEquals(all, accepted, "all connections, also those queued on the closed listener, are handed out");
        } finally {
            migrateReq("0");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void drainingBeforeClosingLosesNothing() {
        migrateReq("0");
        int port = group("c");
        Set<String> all = connect("C", port, CLIENTS);
        // The shutdown order: drain the listener to empty with tryAccept, then close it at once.
        Set<String> drained = ports(server.call("drain 5000 -1 c0", T).get("ports"));
        server.call("close c0", T);
        TwoHosts.sleep(200);
        assertEquals("-", client.call("check C", T).get("reset"), "nothing was left queued to reset");
        Set<String> rest = ports(server.call("drain 5000 " + (CLIENTS - drained.size()) + " c1 c2", T).get("ports"));
        System.out.printf("SO_REUSEPORT, 3 listeners, %d clients, drained %d from one, then closed it: the others handed"
                + " out %d, none reset%n", CLIENTS, drained.size(), rest.size());
        assertTrue(!drained.isEmpty(), "the drained listener had connections");
        Set<String> union = new HashSet<>(drained);
        union.addAll(rest);
        assertEquals(all, union);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void whileClientsKeepArrivingOnlyMigrateReqLosesNothing() throws Exception {
        for (String migrate : new String[] {"1", "0"}) {
            migrateReq(migrate);
            try {
                String g = "s" + migrate;
                int port = group(g);
                // 200 connections, about 2 ms apart; the listener goes away about 200 ms into the stream.
                var stream = java.util.concurrent.CompletableFuture.supplyAsync(() -> client.call(
                        "connect " + g.toUpperCase() + " " + TwoHosts.SERVER_V4 + " " + port + " 200 2", Duration.ofSeconds(60)));
                TwoHosts.sleep(200);
                Set<String> drained = ports(server.call("drainclose " + g + "0", T).get("ports"));
                Set<String> all = ports(stream.get(60, TimeUnit.SECONDS).get("ports"));
                TwoHosts.sleep(300);
                NsProcess.Reply check = client.call("check " + g.toUpperCase(), T);
                Set<String> reset = ports(check.get("reset"));
                Set<String> rest = ports(server.call("drain 5000 " + (all.size() - drained.size() - reset.size()) + " "
                        + g + "1 " + g + "2", T).get("ports"));
                System.out.printf("SO_REUSEPORT, 200 clients arriving 2 ms apart, tcp_migrate_req=%s, drain-then-close of one"
                        + " listener mid-stream: drained %d, reset %d, handed out by the others %d%n", migrate,
                        drained.size(), reset.size(), rest.size());
                assertEquals(200, all.size());
                assertTrue(!drained.isEmpty() && !rest.isEmpty(), "the close did not happen mid-stream");
                Set<String> union = new HashSet<>(drained);
                union.addAll(reset);
                union.addAll(rest);
                assertEquals(all, union, "every client is drained, reset, or handed out by the others");
                assertEquals(all.size(), drained.size() + reset.size() + rest.size(), "no client counted twice");
                if (migrate.equals("1")) {
                    assertEquals(Set.of(), reset, "with tcp_migrate_req=1 a close mid-stream resets nothing");
                }
            } finally {
                migrateReq("0");
            }
        }
    }
}
