package org.tryaccept.linux.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12.2, DESIGN.md section 3 ("IPv6 with scope id"): a client in one namespace connects to
 * {@code fe80::1%<its veth>} and the listener in the other namespace accepts it. The peer address
 * that {@code tryAccept} reports (both the {@code Optional<Accepted>} and the {@code AcceptBuffer}
 * form) equals what the JDK's own {@code accept()} reports for a connection from the same peer,
 * scope id included, and the scope id is the index of the server's veth (the interface the
 * connection came in on, ipv6(7): {@code sin6_scope_id}). Loopback cannot show this: it has no
 * link-local address. An IPv4 client of the same dual-stack listener is folded to an
 * {@code Inet4Address} by both. Needs root and network namespaces (skips otherwise).
 */
class LinkLocalPeerTest extends AgentPairTest {
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void linkLocalPeerIsReportedWithTheServersScopeIdAsTheJdkDoes() {
        // A dual-stack wildcard listener, as most servers bind.
        int port = server.call("listen ll :: 0 0 0", T).getInt("port");
        int serverIfIndex = server.call("ifindex " + hosts.serverIf, T).getInt("index");
        assertEquals(TwoHosts.SERVER_IF_INDEX, serverIfIndex);
        String target = TwoHosts.SERVER_LINK_LOCAL + "%" + hosts.clientIf;
        // Three connections, accepted in queue order by the three routes.
        NsProcess.Reply first = client.call("connect a " + target + " " + port + " 1", T);
        // The same peer has another scope id on its own host: the scope names the local interface.
        assertTrue(first.get("local").startsWith("/[fe80:0:0:0:0:0:0:2%" + TwoHosts.CLIENT_IF_INDEX + "]:"),
                first.line());
        List<String> clientPorts = List.of(first.get("ports"),
                client.call("connect b " + target + " " + port + " 1", T).get("ports"),
                client.call("connect c " + target + " " + port + " 1", T).get("ports"));
        NsProcess.Reply watched = server.call("watch 10000 10 ll", T);
        assertEquals("-", watched.get("pending"), "tryAccept saw nothing");
        Map<String, String> viaOptional = NsProcess.facts(watched.events().get(0));
        Map<String, String> viaBuffer = server.call("bufaccept ll 10000", T).facts();
        Map<String, String> viaJdk = server.call("jdkaccept ll 10000", T).facts();
        System.out.println("link-local peer: tryAccept " + viaOptional + "\n  AcceptBuffer " + viaBuffer
                + "\n  JDK accept " + viaJdk + "\n  server veth index " + serverIfIndex);

        List<Map<String, String>> all = List.of(viaOptional, viaBuffer, viaJdk);
        for (int i = 0; i < 3; i++) {
            Map<String, String> f = all.get(i);
            assertEquals(clientPorts.get(i), f.get("port"), "peer port of connection " + i + ": " + f);
            assertEquals("inet6", f.get("family"), f.toString());
            // getHostAddress() of a scoped Inet6Address is "fe80:0:0:0:0:0:0:2%<scope>"
            assertEquals("fe80:0:0:0:0:0:0:2%" + serverIfIndex, f.get("addr"), f.toString());
            assertEquals(Integer.toString(serverIfIndex), f.get("scope"), f.toString());
        }
        // The same scope representation as the JDK, not merely the same number: Inet6Address.equals
        // ignores the scope, so the scope id, the scoped interface and the text form are compared.
        for (Map<String, String> f : List.of(viaOptional, viaBuffer)) {
            assertEquals(viaJdk.get("scope"), f.get("scope"));
            assertEquals(viaJdk.get("scopeif"), f.get("scopeif"));
            assertEquals(viaJdk.get("text"), f.get("text"));
        }
        assertEquals(Integer.toString(serverIfIndex), viaBuffer.get("bufscope"), "AcceptBuffer.scopeId()");
        assertNotEquals("0", viaOptional.get("scope"));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void ipv4PeerOverTheVethIsFoldedToInet4AsTheJdkDoes() {
        int port = server.call("listen v4 :: 0 0 0", T).getInt("port");
        String p1 = client.call("connect d " + TwoHosts.SERVER_V4 + " " + port + " 1", T).get("ports");
        String p2 = client.call("connect e " + TwoHosts.SERVER_V4 + " " + port + " 1", T).get("ports");
        NsProcess.Reply watched = server.call("watch 10000 10 v4", T);
        assertEquals("-", watched.get("pending"));
        Map<String, String> viaOptional = NsProcess.facts(watched.events().get(0));
        Map<String, String> viaJdk = server.call("jdkaccept v4 10000", T).facts();
        assertEquals(Map.of("addr", TwoHosts.CLIENT_V4, "port", p1, "family", "inet4"),
                Map.of("addr", viaOptional.get("addr"), "port", viaOptional.get("port"), "family", viaOptional.get("family")));
        assertEquals(Map.of("addr", TwoHosts.CLIENT_V4, "port", p2, "family", "inet4"),
                Map.of("addr", viaJdk.get("addr"), "port", viaJdk.get("port"), "family", viaJdk.get("family")));
        assertTrue(viaOptional.get("read").equals("EAGAIN"), "a silent client reads EAGAIN: " + viaOptional);
    }
}
