package org.tryaccept.linux.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12.3, DESIGN.md section 4 ("syncookies bypass deferral"): with SYN cookies forced inside the
 * server namespace ({@code net.ipv4.tcp_syncookies=2}, "send out syncookies unconditionally", see
 * the kernel's ip-sysctl documentation and tcp(7) {@code tcp_syncookies}), a connection to a listener
 * with {@code TCP_DEFER_ACCEPT} 30 s is handed out by {@code tryAccept} at once, before any data, and
 * its first read is EAGAIN: a cookie connection keeps no request socket that could wait, the
 * handshake's ACK creates the connection directly. The same listener setup with cookies off
 * ({@code =0}) in the same namespace defers as usual (nothing for 3 s, then handed out with the data).
 * On a production host with the default {@code =1} cookies are sent only while the SYN queue
 * overflows (a SYN flood), so deferral silently stops working exactly then. The sysctl is per
 * namespace; the host's value is never touched. Needs root and network namespaces (skips otherwise).
 */
class SynCookieDeferralTest extends AgentPairTest {
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void cookieConnectionsAreHandedOutAtOnceWithoutData() {
        NsProcess.Reply sysctl = server.call("sysctl net.ipv4.tcp_syncookies 2", T);
        Assumptions.assumeTrue(sysctl.get("exists").equals("true"), "this kernel has no per-namespace tcp_syncookies");
        assertEquals("2", sysctl.get("now"));
        int cookiePort = server.call("listen cookie " + TwoHosts.SERVER_V4 + " 0 30 0", T).getInt("port");
        long connected = Long.parseLong(client.call("connect cookie " + TwoHosts.SERVER_V4 + " " + cookiePort + " 1", T).get("t"));
        NsProcess.Reply watched = server.call("watch 10000 10 cookie", T);
        assertEquals("-", watched.get("pending"), "with cookies, the deferred connection was not handed out in 10 s");
        Map<String, String> f = NsProcess.facts(watched.events().get(0));
        long ms = (Long.parseLong(f.get("t")) - connected) / 1_000_000L;
        System.out.println("syncookies=2, TCP_DEFER_ACCEPT 30 (read back 31): handed out " + ms + " ms after connect, first read "
                + f.get("read"));
        // At once: far below the 31 s deferral and below the first SYN-ACK retransmission (1 s).
        assertTrue(ms < 1000, "handed out after " + ms + " ms");
        assertEquals("EAGAIN", f.get("read"), "handed out before any data");
        client.call("send cookie hello", T);
        assertEquals("5", server.call("read cookie 5000", T).get("read"), "the cookie connection carries data");

        // Control in the same namespace: cookies off, the same deferral holds the silent client back.
        assertEquals("0", server.call("sysctl net.ipv4.tcp_syncookies 0", T).get("now"));
        int plainPort = server.call("listen plain " + TwoHosts.SERVER_V4 + " 0 30 0", T).getInt("port");
        client.call("connect plain " + TwoHosts.SERVER_V4 + " " + plainPort + " 1", T);
        assertEquals("plain", server.call("watch 3000 10 plain", T).get("pending"),
                "without cookies the silent client must still be deferred after 3 s");
        long sent = Long.parseLong(client.call("send plain hello", T).get("t"));
        NsProcess.Reply released = server.call("watch 5000 10 plain", T);
        assertEquals("-", released.get("pending"));
        Map<String, String> g = NsProcess.facts(released.events().get(0));
        System.out.println("syncookies=0, TCP_DEFER_ACCEPT 30: silent for 3 s -> not handed out; handed out "
                + (Long.parseLong(g.get("t")) - sent) / 1_000_000L + " ms after the first bytes, first read " + g.get("read"));
        assertEquals("5", g.get("read"), "deferral hands the connection out with its first bytes");
    }
}
