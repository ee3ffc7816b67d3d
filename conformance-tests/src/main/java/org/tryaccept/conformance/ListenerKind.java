package org.tryaccept.conformance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;

/**
 * The kinds of loopback listener the kit generates, each with the address a client connects to.
 * {@link #DUAL_STACK_V4} is an IPv6 wildcard listener reached over 127.0.0.1, so the kernel reports an
 * IPv4-mapped peer ({@code ::ffff:127.0.0.1}) that must come out as an {@code Inet4Address}, as the
 * JDK reports it.
 *
 * @since 0.1
 */
public enum ListenerKind {
    /** {@code 127.0.0.1}. */
    IPV4(StandardProtocolFamily.INET, "127.0.0.1", "127.0.0.1"),
    /** {@code ::1}. */
    IPV6(StandardProtocolFamily.INET6, "::1", "::1"),
    /** listener on {@code ::} (dual stack), client to {@code 127.0.0.1}. */
    DUAL_STACK_V4(StandardProtocolFamily.INET6, "::", "127.0.0.1"),
    /** a Unix-domain path in a temporary directory. */
    UNIX(StandardProtocolFamily.UNIX, null, null);

    private final ProtocolFamily family;
    private final String bindHost;
    private final String connectHost;

    ListenerKind(ProtocolFamily family, String bindHost, String connectHost) {
        this.family = family;
        this.bindHost = bindHost;
        this.connectHost = connectHost;
    }

    /** @return the family the listener is opened with */
    public ProtocolFamily family() {
        return family;
    }

    /** @return true for TCP listeners (TCP_DEFER_ACCEPT applies only to them) */
    public boolean isTcp() {
        return family != StandardProtocolFamily.UNIX;
    }

    /** @return true when this host can open such a listener (IPv6 may be missing) */
    public boolean isAvailable() {
        if (family != StandardProtocolFamily.INET6) {
            return true;
        }
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            ch.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    InetSocketAddress bindAddress() throws IOException {
        return new InetSocketAddress(InetAddress.getByName(bindHost), 0);
    }

    InetSocketAddress connectAddress(int port) throws IOException {
        return new InetSocketAddress(InetAddress.getByName(connectHost), port);
    }
}
