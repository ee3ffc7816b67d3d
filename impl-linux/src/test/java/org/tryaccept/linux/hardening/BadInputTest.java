package org.tryaccept.linux.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.tryaccept.internal.ForwardingSyscalls;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.ServerSockets;
import org.tryaccept.linux.LinuxServerSocketsProvider;

/** Issue 6.7: every kind of bad input gets the exception the API documents, and changes nothing. */
class BadInputTest {
    private static final SocketOption<Integer> DEFER = ServerSocketOptions.TCP_DEFER_ACCEPT;

    @Test
    void nullsAreRejectedNamingTheParameter() throws Exception {
        try (ServerSocketChannel l = Net.listener(4)) {
            AcceptBuffer buf = new AcceptBuffer();
            assertNpe("listener", () -> ServerSockets.tryAccept(null));
            assertNpe("listener", () -> ServerSockets.tryAccept(null, buf));
            assertNpe("into", () -> ServerSockets.tryAccept(l, null));
            assertNpe("listener", () -> ServerSockets.setOption(null, DEFER, 1));
            assertNpe("option", () -> ServerSockets.setOption(l, null, 1));
            assertNpe("listener", () -> ServerSockets.getOption(null, DEFER));
            assertNpe("option", () -> ServerSockets.getOption(l, null));
            assertNpe("listener", () -> ServerSockets.supportedOptions(null));
            assertNpe("remoteAddress", () -> new Accepted(3, null));
        }
    }

    @Test
    void closedListener() throws Exception {
        ServerSocketChannel l = Net.listener(4);
        l.close();
        assertThrows(ClosedChannelException.class, () -> ServerSockets.tryAccept(l));
        assertThrows(ClosedChannelException.class, () -> ServerSockets.tryAccept(l, new AcceptBuffer()));
        assertThrows(ClosedChannelException.class, () -> ServerSockets.setOption(l, DEFER, 1));
        assertThrows(ClosedChannelException.class, () -> ServerSockets.getOption(l, DEFER));
        // A closed channel that is also blocking: closed wins, as with the JDK's own accept().
        ServerSocketChannel blocking = ServerSocketChannel.open();
        blocking.close();
        assertThrows(ClosedChannelException.class, () -> ServerSockets.tryAccept(blocking));
    }

    @Test
    void unboundListener() throws Exception {
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            l.configureBlocking(false);
            assertThrows(NotYetBoundException.class, () -> ServerSockets.tryAccept(l));
            assertThrows(NotYetBoundException.class, () -> ServerSockets.tryAccept(l, new AcceptBuffer()));
            // still usable once bound
            l.bind(new InetSocketAddress(Net.LOOPBACK, 0));
            assertTrue(ServerSockets.tryAccept(l).isEmpty());
        }
    }

    @Test
    void blockingListenerIsRejectedAndItsQueueKept() throws Exception {
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            l.bind(new InetSocketAddress(Net.LOOPBACK, 0));
            try (SocketChannel client = Net.connect(l.getLocalAddress())) {
                assertThrows(IllegalBlockingModeException.class, () -> ServerSockets.tryAccept(l));
                AcceptBuffer buf = new AcceptBuffer();
                assertThrows(IllegalBlockingModeException.class, () -> ServerSockets.tryAccept(l, buf));
                assertFalse(buf.hasConnection());
                l.configureBlocking(false);
                try (Accepted a = ServerSockets.tryAccept(l).orElseThrow()) {
                    assertEquals(client.getLocalAddress(), a.remoteAddress());
                }
            }
        }
    }

    @Test
    void foreignProviderChannelIsRejected() throws Exception {
        ForeignChannel foreign = new ForeignChannel();
        foreign.configureBlocking(false);
        for (Executable call : List.<Executable>of(
                () -> ServerSockets.tryAccept(foreign),
                () -> ServerSockets.tryAccept(foreign, new AcceptBuffer()),
                () -> ServerSockets.setOption(foreign, DEFER, 1),
                () -> ServerSockets.getOption(foreign, DEFER))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
            assertTrue(e.getMessage().contains("not a channel of the JDK's default SelectorProvider"), e.getMessage());
        }
        // Options that are not the library's go to the channel itself, foreign or not.
        ServerSockets.setOption(foreign, StandardSocketOptions.SO_RCVBUF, 4096);
        assertEquals(4096, ServerSockets.getOption(foreign, StandardSocketOptions.SO_RCVBUF));
        assertEquals(4096, foreign.rcvbuf);
        foreign.close();
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void wrongOptionTypeOrNullValueIsRejectedAndNothingChanges() throws Exception {
        try (ServerSocketChannel l = Net.listener(4)) {
            ServerSockets.setOption(l, DEFER, 1);
            int before = ServerSockets.getOption(l, DEFER);
            SocketOption raw = DEFER;
            assertThrows(IllegalArgumentException.class, () -> ServerSockets.setOption(l, raw, "5"));
            assertThrows(IllegalArgumentException.class, () -> ServerSockets.setOption(l, raw, 5L));
            assertThrows(IllegalArgumentException.class, () -> ServerSockets.setOption(l, DEFER, null));
            assertEquals(before, ServerSockets.getOption(l, DEFER));
            // The same call style on a JDK option reaches the channel, which applies its own checks.
            assertThrows(IllegalArgumentException.class,
                    () -> ServerSockets.setOption(l, StandardSocketOptions.SO_RCVBUF, null));
        }
    }

    @Test
    void negativeDeferralIsRejectedAndNothingChanges() throws Exception {
        try (ServerSocketChannel l = Net.listener(4)) {
            ServerSockets.setOption(l, DEFER, 1);
            int before = ServerSockets.getOption(l, DEFER);
            for (int bad : new int[] {-1, -30, Integer.MIN_VALUE}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> ServerSockets.setOption(l, DEFER, bad));
                assertTrue(e.getMessage().contains(Integer.toString(bad)), e.getMessage());
            }
            assertEquals(before, ServerSockets.getOption(l, DEFER));
            ServerSockets.setOption(l, DEFER, 0); // 0 is valid: it disables deferral
            assertEquals(0, ServerSockets.getOption(l, DEFER));
        }
    }

    @Test
    void otherDocumentedRejections() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new Accepted(-1, new InetSocketAddress(Net.LOOPBACK, 1)));
        assertThrows(IllegalArgumentException.class, () -> ServerSockets.provider().close(-1));
        AcceptBuffer empty = new AcceptBuffer();
        assertThrows(IllegalStateException.class, empty::remoteAddress);
        assertThrows(IllegalStateException.class, () -> empty.copyAddress(new byte[16]));
        assertEquals(-1, empty.fd());
        assertEquals(-1, empty.port());
    }


    /** The same through the public API with no seam: two threads race on one buffer until one is refused. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void acceptBufferSharedByTwoSpinningThreadsIsDetected() throws Exception {
        AcceptBuffer shared = new AcceptBuffer();
        AtomicBoolean refused = new AtomicBoolean();
        AtomicInteger other = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (ServerSocketChannel l = Net.listener(4)) {
            List<Future<?>> spinners = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                spinners.add(pool.submit(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!refused.get() && System.nanoTime() < deadline) {
                        try {
                            ServerSockets.tryAccept(l, shared);
                        } catch (IllegalStateException expected) {
                            refused.set(true);
                        } catch (Throwable unexpected) {
                            other.incrementAndGet();
                            refused.set(true);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : spinners) {
                f.get(20, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, other.get(), "exceptions other than IllegalStateException");
        assertTrue(refused.get(), "two threads used one AcceptBuffer for 10 s without IllegalStateException");
    }

    private static void assertNpe(String parameter, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        assertEquals(parameter, e.getMessage());
    }

    /** A ServerSocketChannel of some other provider: open, "bound", non-blocking, and nothing more. */
    private static final class ForeignChannel extends ServerSocketChannel {
        int rcvbuf = 65536;

        ForeignChannel() {
            super(SelectorProvider.provider());
        }

        @Override
        public ServerSocketChannel bind(SocketAddress local, int backlog) {
            return this;
        }

        @Override
        public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) {
            if (name != StandardSocketOptions.SO_RCVBUF) {
                throw new UnsupportedOperationException(name.name());
            }
            rcvbuf = (Integer) value;
            return this;
        }

        @Override
        public <T> T getOption(SocketOption<T> name) {
            if (name != StandardSocketOptions.SO_RCVBUF) {
                throw new UnsupportedOperationException(name.name());
            }
            return name.type().cast(rcvbuf);
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return Set.of(StandardSocketOptions.SO_RCVBUF);
        }

        @Override
        public ServerSocket socket() {
            throw new UnsupportedOperationException();
        }

        @Override
        public SocketChannel accept() {
            return null;
        }

        @Override
        public SocketAddress getLocalAddress() {
            return new InetSocketAddress(Net.LOOPBACK, 9);
        }

        @Override
        protected void implCloseSelectableChannel() {
        }

        @Override
        protected void implConfigureBlocking(boolean block) {
        }
    }
}
