package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;

/** The rows of DESIGN.md section 3 that real loopback sockets can show, through the public API. */
class TryAcceptContractTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(names = {"INET", "INET6", "UNIX"})
    void nothingPendingIsEmptyAndThrowsNothing(StandardProtocolFamily family) throws IOException {
        try (ServerSocketChannel l = TestSockets.listener(family, dir)) {
            AcceptBuffer buf = new AcceptBuffer();
            for (int i = 0; i < 1_000; i++) {
                assertEquals(Optional.empty(), ServerSockets.tryAccept(l));
                assertFalse(ServerSockets.tryAccept(l, buf));
                assertEquals(-1, buf.fd());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"INET", "INET6", "UNIX"})
    void pendingConnectionComesBackNonBlockingCloseOnExecWithItsPeer(StandardProtocolFamily family) throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(family, dir);
             SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
            Accepted a = awaitAccept(l);
            try {
                assertTrue((TestSockets.statusFlags(a.fd()) & LinuxConstants.O_NONBLOCK) != 0, "O_NONBLOCK");
                assertTrue((TestSockets.descriptorFlags(a.fd()) & LinuxConstants.FD_CLOEXEC) != 0, "FD_CLOEXEC");
                assertEquals(client.getLocalAddress(), a.remoteAddress());
                // the fd really is the connection: bytes written by the client arrive on it
                client.write(ByteBuffer.wrap(new byte[] {42}));
                TestSockets.await(Duration.ofSeconds(5), () -> TestSockets.read(a.fd(), 16) == 1, "client byte");
            } finally {
                a.close();
            }
            assertEquals(Optional.empty(), ServerSockets.tryAccept(l), "each connection is returned once");
        }
    }

    @Test
    void acceptBufferExposesThePeerWithoutDecoding() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir);
             SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
            AcceptBuffer buf = new AcceptBuffer();
            TestSockets.await(Duration.ofSeconds(5), () -> tryInto(l, buf), "a connection");
            InetSocketAddress peer = (InetSocketAddress) client.getLocalAddress();
            try {
                assertEquals(StandardProtocolFamily.INET, buf.family());
                assertEquals(peer.getPort(), buf.port());
                assertEquals(4, buf.addressLength());
                byte[] ip = new byte[16];
                assertEquals(4, buf.copyAddress(ip));
                assertEquals(peer.getAddress(), java.net.InetAddress.getByAddress(java.util.Arrays.copyOf(ip, 4)));
                assertEquals(peer, buf.remoteAddress());
            } finally {
                ServerSockets.provider().close(buf.fd());
            }
            assertFalse(ServerSockets.tryAccept(l, buf));
            assertFalse(buf.hasConnection(), "a failed try clears the buffer");
            assertThrows(IllegalStateException.class, buf::remoteAddress);
        }
    }

    @Test
    void peerAddressesStayRightWhenTheDecodedIpIsReused() throws Exception {
        try (ServerSocketChannel l = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            l.bind(new InetSocketAddress("0.0.0.0", 0)).configureBlocking(false);
            int port = ((InetSocketAddress) l.getLocalAddress()).getPort();
            AcceptBuffer buf = new AcceptBuffer();
            java.net.InetAddress previous = null;
            String previousIp = null;
            for (String ip : new String[] {"127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.1", "127.0.0.2", "127.0.0.2"}) {
                try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.INET)) {
                    c.bind(new InetSocketAddress(ip, 0));
                    c.connect(new InetSocketAddress("127.0.0.1", port));
                    TestSockets.await(Duration.ofSeconds(5), () -> tryInto(l, buf), "a connection from " + ip);
                    InetSocketAddress peer = (InetSocketAddress) buf.remoteAddress();
                    ServerSockets.provider().close(buf.fd());
                    assertEquals(c.getLocalAddress(), peer);
                    if (ip.equals(previousIp)) {
                        assertTrue(previous == peer.getAddress(), "same peer IP: the decoded InetAddress is reused");
                    }
                    previous = peer.getAddress();
                    previousIp = ip;
                }
            }
        }
    }

    @Test
    void closedListenerIsClosedChannelException() throws IOException {
        ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir);
        l.close();
        assertThrows(ClosedChannelException.class, () -> ServerSockets.tryAccept(l));
        assertThrows(ClosedChannelException.class, () -> ServerSockets.tryAccept(l, new AcceptBuffer()));
    }

    @Test
    void listenerClosedAfterFirstUseIsClosedChannelException() throws Exception {
        ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir);
        assertEquals(Optional.empty(), ServerSockets.tryAccept(l)); // caches the fd number
        SocketChannel c = SocketChannel.open(l.getLocalAddress());
        l.close();
        try (c) {
            assertThrows(ClosedChannelException.class, () -> ServerSockets.tryAccept(l));
        }
    }

    @Test
    void unboundListenerIsNotYetBound() throws IOException {
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            l.configureBlocking(false);
            assertThrows(NotYetBoundException.class, () -> ServerSockets.tryAccept(l));
            assertThrows(NotYetBoundException.class, () -> ServerSockets.tryAccept(l, new AcceptBuffer()));
        }
    }

    @Test
    void blockingListenerIsIllegalBlockingMode() throws IOException {
        try (ServerSocketChannel l = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            assertTrue(l.isBlocking());
            assertThrows(IllegalBlockingModeException.class, () -> ServerSockets.tryAccept(l));
        }
    }

    @Test
    void nullArgumentsAreNamed() throws IOException {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> ServerSockets.tryAccept((ServerSocketChannel) null));
        assertTrue(e.getMessage().contains("listener"), e.getMessage());
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            e = assertThrows(NullPointerException.class, () -> ServerSockets.tryAccept(l, null));
            assertTrue(e.getMessage().contains("into"), e.getMessage());
        }
    }

    @Test
    void foreignChannelIsIllegalArgument() {
        ServerSocketChannel foreign = new ForeignServerSocketChannel();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerSockets.tryAccept(foreign));
        assertTrue(e.getMessage().contains("default SelectorProvider"), e.getMessage());
    }

    @Test
    void jdkAcceptAndTryAcceptShareOneQueueWithoutDuplicates() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            SocketChannel c1 = SocketChannel.open(l.getLocalAddress());
            SocketChannel c2 = SocketChannel.open(l.getLocalAddress());
            try (c1; c2) {
                SocketChannel viaJdk = null;
                for (int i = 0; i < 2_500 && viaJdk == null; i++) {
                    viaJdk = l.accept();
                    if (viaJdk == null) {
                        Thread.sleep(2);
                    }
                }
                try (SocketChannel jdk = viaJdk) {
                    Accepted ours = awaitAccept(l);
                    ours.close();
                    assertTrue(jdk != null);
                    assertTrue(!jdk.getRemoteAddress().equals(ours.remoteAddress()), "two different connections");
                    assertEquals(Optional.empty(), ServerSockets.tryAccept(l));
                }
            }
        }
    }

    static Accepted awaitAccept(ServerSocketChannel l) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < end) {
            Optional<Accepted> a = ServerSockets.tryAccept(l);
            if (a.isPresent()) {
                return a.get();
            }
            Thread.sleep(1);
        }
        throw new AssertionError("no connection within 5 s");
    }

    private static boolean tryInto(ServerSocketChannel l, AcceptBuffer buf) {
        try {
            return ServerSockets.tryAccept(l, buf);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A channel from some other SelectorProvider: tryAccept cannot know its fd, so it must refuse. */
    static final class ForeignServerSocketChannel extends ServerSocketChannel {
        ForeignServerSocketChannel() {
            super(null);
        }

        @Override
        public ServerSocketChannel bind(java.net.SocketAddress local, int backlog) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> ServerSocketChannel setOption(java.net.SocketOption<T> name, T value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> T getOption(java.net.SocketOption<T> name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.Set<java.net.SocketOption<?>> supportedOptions() {
            return java.util.Set.of();
        }

        @Override
        public java.net.ServerSocket socket() {
            throw new UnsupportedOperationException();
        }

        @Override
        public SocketChannel accept() {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.net.SocketAddress getLocalAddress() {
            return null;
        }

        @Override
        protected void implCloseSelectableChannel() {
        }

        @Override
        protected void implConfigureBlocking(boolean block) {
        }
    }

    static ProtocolFamily[] families() {
        return new ProtocolFamily[] {StandardProtocolFamily.INET, StandardProtocolFamily.INET6, StandardProtocolFamily.UNIX};
    }
}
