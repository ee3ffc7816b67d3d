package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tryaccept.Accepted;

/**
 * For each kind of connection, the peer address tryAccept reports equals what the JDK's own accept()
 * reports for a connection of the same kind (same class, same family, same value modulo the port).
 */
class RemoteAddressParityTest {
    @TempDir
    Path dir;

    interface ClientFactory {
        SocketChannel connect(SocketAddress listener) throws Exception;
    }

    /** Accepts one connection with the JDK and one with tryAccept; returns {jdk peer, our peer, client addresses}. */
    private SocketAddress[] both(ServerSocketChannel l, ClientFactory clients) throws Exception {
        SocketAddress target = l.getLocalAddress();
        try (SocketChannel c1 = clients.connect(target); SocketChannel c2 = clients.connect(target)) {
            SocketAddress jdkPeer = null;
            for (int i = 0; i < 2_500 && jdkPeer == null; i++) {
                SocketChannel s = l.accept();
                if (s != null) {
                    try (s) {
                        jdkPeer = s.getRemoteAddress();
                    }
                } else {
                    Thread.sleep(2);
                }
            }
            assertNotNull(jdkPeer, "JDK accept got nothing");
            try (Accepted ours = TryAcceptContractTest.awaitAccept(l)) {
                return new SocketAddress[] {jdkPeer, ours.remoteAddress(), c1.getLocalAddress(), c2.getLocalAddress()};
            }
        }
    }

    private static void assertSameKind(SocketAddress[] r) {
        SocketAddress jdk = r[0];
        SocketAddress ours = r[1];
        assertEquals(jdk.getClass(), ours.getClass());
        if (jdk instanceof InetSocketAddress j) {
            InetSocketAddress o = (InetSocketAddress) ours;
            assertEquals(j.getAddress().getClass(), o.getAddress().getClass(), "address class (folding of v4-mapped)");
            assertEquals(j.getAddress(), o.getAddress());
            assertEquals(j.getAddress().toString(), o.getAddress().toString(), "same text, scope included");
        } else {
            assertEquals(jdk, ours);
        }
        // and ours is exactly one of the two clients
        assertEquals(true, ours.equals(r[2]) || ours.equals(r[3]), ours + " is not a client: " + r[2] + ", " + r[3]);
    }

    @Test
    void ipv4() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            SocketAddress[] r = both(l, SocketChannel::open);
            assertInstanceOf(Inet4Address.class, ((InetSocketAddress) r[1]).getAddress());
            assertSameKind(r);
        }
    }

    @Test
    void ipv6() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET6, dir)) {
            SocketAddress[] r = both(l, SocketChannel::open);
            assertInstanceOf(Inet6Address.class, ((InetSocketAddress) r[1]).getAddress());
            assertSameKind(r);
        }
    }

    @Test
    void ipv4ClientOfDualStackListenerIsFoldedToInet4() throws Exception {
        // ServerSocketChannel.open() is an AF_INET6 socket; an IPv4 client arrives as ::ffff:127.0.0.1
        try (ServerSocketChannel l = ServerSocketChannel.open().bind(new InetSocketAddress(0))) {
            l.configureBlocking(false);
            int port = ((InetSocketAddress) l.getLocalAddress()).getPort();
            SocketAddress[] r = both(l, ignored -> SocketChannel.open(new InetSocketAddress("127.0.0.1", port)));
            assertInstanceOf(Inet4Address.class, ((InetSocketAddress) r[1]).getAddress());
            assertSameKind(r);
        }
    }

    @Test
    void ipv6ClientOfDualStackListener() throws Exception {
        try (ServerSocketChannel l = ServerSocketChannel.open().bind(new InetSocketAddress(0))) {
            l.configureBlocking(false);
            int port = ((InetSocketAddress) l.getLocalAddress()).getPort();
            SocketAddress[] r = both(l, ignored -> SocketChannel.open(new InetSocketAddress("::1", port)));
            assertInstanceOf(Inet6Address.class, ((InetSocketAddress) r[1]).getAddress());
            assertSameKind(r);
        }
    }

    @Test
    void unixDomainUnnamedClient() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.UNIX, dir)) {
            SocketAddress[] r = both(l, SocketChannel::open);
            assertEquals(UnixDomainSocketAddress.of(""), r[1]);
            assertSameKind(r);
        }
    }

    @Test
    void unixDomainNamedClient() throws Exception {
        Supplier<Path> paths = () -> dir.resolve("c" + System.nanoTime() + ".sock");
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.UNIX, dir)) {
            SocketAddress[] r = both(l, target -> {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                c.bind(UnixDomainSocketAddress.of(paths.get()));
                c.connect(target);
                return c;
            });
            // Both peers are named: the JDK's is the other client's path, so compare kinds, and ours exactly.
            assertEquals(UnixDomainSocketAddress.class, r[0].getClass());
            assertEquals(true, r[1].equals(r[2]) || r[1].equals(r[3]), r[1] + " vs " + r[2] + ", " + r[3]);
            assertEquals(true, r[0].equals(r[2]) || r[0].equals(r[3]));
        }
    }
}
