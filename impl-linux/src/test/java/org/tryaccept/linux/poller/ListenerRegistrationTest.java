package org.tryaccept.linux.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tryaccept.Accepted;
import org.tryaccept.ErrnoException;
import org.tryaccept.Poller;
import org.tryaccept.ServerSockets;

/** DESIGN section 8, the {@code add(ServerSocketChannel ...)} row, except the close race. */
class ListenerRegistrationTest {
    private ServerSocketChannel listener;
    private Poller poller;

    @BeforeEach
    void open() throws Exception {
        listener = Conn.listener();
        poller = Poller.open();
    }

    @AfterEach
    void close() throws Exception {
        poller.close();
        listener.close();
    }

    private void drain() throws Exception {
        while (ServerSockets.tryAccept(listener).map(a -> {
            try {
                a.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return a;
        }).isPresent()) {
            // accept and close everything pending
        }
    }

    @Test
    void readableWhileAConnectionIsPending() throws Exception {
        poller.add(listener, Poller.READABLE, 5);
        assertEquals(0, poller.poll(0));
        try (SocketChannel c = SocketChannel.open(listener.getLocalAddress())) {
            assertEquals(1, poller.poll(5_000));
            assertEquals(5, poller.token(0));
            assertEquals(Poller.READABLE, poller.events(0));
            assertEquals(1, poller.poll(0), "level-triggered: still pending");
            Accepted a = ServerSockets.tryAccept(listener).orElseThrow();
            a.close();
            assertEquals(0, poller.poll(100), "accepted: nothing pending");
        }
    }

    @Test
    void modifyAndRemoveWorkWhileOpen() throws Exception {
        poller.add(listener, Poller.READABLE, 1);
        try (SocketChannel c = SocketChannel.open(listener.getLocalAddress())) {
            assertEquals(1, poller.poll(5_000));
            // an EMFILE back-off: stop watching the listener, then resume under another token
            poller.modify(listener, 0, 1);
            assertEquals(0, poller.poll(100), "interest 0: the pending connection is not reported");
            poller.modify(listener, Poller.READABLE | Poller.ONE_SHOT, 2);
            assertEquals(1, poller.poll(5_000));
            assertEquals(2, poller.token(0));
            assertEquals(0, poller.poll(100), "one-shot");
            poller.remove(listener);
            assertEquals("ENOENT", assertThrows(ErrnoException.class, () -> poller.remove(listener)).errnoName());
            assertEquals("ENOENT", assertThrows(ErrnoException.class,
                    () -> poller.modify(listener, Poller.READABLE, 3)).errnoName());
            poller.add(listener, Poller.READABLE, 4);
            assertEquals(1, poller.poll(5_000));
            assertEquals(4, poller.token(0), "added again after remove");
            drain();
        }
    }

    @Test
    void edgeTriggeredListenerReportsEachNewConnection() throws Exception {
        poller.add(listener, Poller.READABLE | Poller.EDGE_TRIGGERED, 6);
        try (SocketChannel a = SocketChannel.open(listener.getLocalAddress())) {
            assertEquals(1, poller.poll(5_000));
            assertEquals(0, poller.poll(100), "no new connection, no new edge");
            try (SocketChannel b = SocketChannel.open(listener.getLocalAddress())) {
                assertEquals(1, poller.poll(5_000), "a second connection is a new edge through the nesting");
                drain();
            }
        }
    }

    @Test
    void errorsAndArgumentChecks() throws Exception {
        poller.add(listener, Poller.READABLE, 1);
        assertEquals("EEXIST", assertThrows(ErrnoException.class,
                () -> poller.add(listener, Poller.READABLE, 2)).errnoName());
        assertThrows(NullPointerException.class, () -> poller.add((ServerSocketChannel) null, Poller.READABLE, 1));
        assertThrows(UnsupportedOperationException.class, () -> {
            try (ServerSocketChannel other = Conn.listener()) {
                poller.add(other, Poller.READABLE | Poller.EXCLUSIVE, 1);
            }
        });
        ServerSocketChannel closed = Conn.listener();
        closed.close();
        assertThrows(ClosedChannelException.class, () -> poller.add(closed, Poller.READABLE, 1));
        listener.close();
        assertThrows(ClosedChannelException.class, () -> poller.modify(listener, Poller.READABLE, 1));
        assertThrows(ClosedChannelException.class, () -> poller.remove(listener));
    }

    @Test
    void foreignChannelIsRefused() throws Exception {
        java.nio.channels.spi.SelectorProvider foreign = new java.nio.channels.spi.SelectorProvider() {
            final java.nio.channels.spi.SelectorProvider jdk = java.nio.channels.spi.SelectorProvider.provider();
            @Override public java.nio.channels.DatagramChannel openDatagramChannel() { throw new UnsupportedOperationException(); }
            @Override public java.nio.channels.DatagramChannel openDatagramChannel(java.net.ProtocolFamily f) { throw new UnsupportedOperationException(); }
            @Override public java.nio.channels.Pipe openPipe() { throw new UnsupportedOperationException(); }
            @Override public java.nio.channels.spi.AbstractSelector openSelector() { throw new UnsupportedOperationException(); }
            @Override public ServerSocketChannel openServerSocketChannel() { return new FakeListener(this); }
            @Override public SocketChannel openSocketChannel() { throw new UnsupportedOperationException(); }
        };
        try (ServerSocketChannel fake = foreign.openServerSocketChannel()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> poller.add(fake, Poller.READABLE, 1));
            assertTrue(e.getMessage().contains("default SelectorProvider"), e.getMessage());
        }
    }

    @Test
    void closeReleasesThePortAtOnceWhileRegistered() throws Exception {
        InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
        poller.add(listener, Poller.READABLE, 1);
        SocketChannel.open(address).close(); // a pending (and finished) connection, so the listener was in use
        assertEquals(1, poller.poll(5_000));
        listener.close();
        try (ServerSocketChannel again = ServerSocketChannel.open()) {
            again.bind(address); // no SO_REUSEADDR trickery needed: nothing kept the socket open
            assertEquals(0, poller.poll(100), "nothing reported for the closed listener");
        }
    }

    @Test
    void innerEpollIsReleasedAfterTheListenerCloses() throws Exception {
        long before = Conn.openFds();
        ServerSocketChannel l = Conn.listener();
        poller.add(l, Poller.READABLE, 1);
        assertEquals(before + 2, Conn.openFds(), "the listener and its inner epoll");
        l.close();
        poller.poll(0); // a poll sweeps
        assertEquals(before, Conn.openFds(), "the inner epoll is closed once its listener is");
        assertThrows(ClosedChannelException.class, () -> poller.remove(l));
    }

    @Test
    void removeReleasesTheInnerEpoll() throws Exception {
        long before = Conn.openFds();
        poller.add(listener, Poller.READABLE, 1);
        poller.remove(listener);
        assertEquals(before, Conn.openFds());
    }

    /** A ServerSocketChannel of another SelectorProvider: the library must refuse it, not touch it. */
    private static final class FakeListener extends ServerSocketChannel {
        FakeListener(java.nio.channels.spi.SelectorProvider p) {
            super(p);
        }
        @Override public ServerSocketChannel bind(java.net.SocketAddress local, int backlog) { return this; }
        @Override public <T> ServerSocketChannel setOption(java.net.SocketOption<T> name, T value) { return this; }
        @Override public <T> T getOption(java.net.SocketOption<T> name) { return null; }
        @Override public java.util.Set<java.net.SocketOption<?>> supportedOptions() { return java.util.Set.of(); }
        @Override public java.net.ServerSocket socket() { throw new UnsupportedOperationException(); }
        @Override public SocketChannel accept() { return null; }
        @Override public java.net.SocketAddress getLocalAddress() { return null; }
        @Override protected void implCloseSelectableChannel() { }
        @Override protected void implConfigureBlocking(boolean block) { }
    }
}
