package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.conformance.FdChecks;

/**
 * The Linux nothing-pending check goes through one process-wide epoll instance. These tests pin down
 * what that must not change: no fd per listener, no missed connection when many listeners are ready
 * at once, no confusion when a closed listener's fd number and port are reused, and close() still
 * releasing the port.
 */
class EpollReadinessTest {
    @TempDir
    Path dir;

    @Test
    void theSelectedLinuxProviderUsesEpoll() {
        assertEquals("epoll", ((FfmProvider) ServerSockets.provider()).readinessMode());
    }

    @Test
    void listenersCostNoFdOfTheirOwn() throws Exception {
        warmUp();
        long before = FdChecks.openFdCount();
        for (int i = 0; i < 50; i++) {
            try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
                assertEquals(Optional.empty(), ServerSockets.tryAccept(l)); // registers l
                try (SocketChannel c = SocketChannel.open(l.getLocalAddress())) {
                    TryAcceptContractTest.awaitAccept(l).close();
                }
            }
        }
        assertEquals(before, FdChecks.openFdCount());
    }

    @Test
    void moreReadyListenersThanOneEpollAnswerHolds() throws Exception {
        List<ServerSocketChannel> listeners = new ArrayList<>();
        List<SocketChannel> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) { // > EpollReadiness.MAX_EVENTS
                ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir);
                listeners.add(l);
                ServerSockets.tryAccept(l); // registered while empty
            }
            for (ServerSocketChannel l : listeners) {
                clients.add(SocketChannel.open(l.getLocalAddress()));
            }
            Thread.sleep(50); // every listener now has one queued connection
            for (int i = 0; i < listeners.size(); i++) {
                Optional<Accepted> a = ServerSockets.tryAccept(listeners.get(i));
                assertTrue(a.isPresent(), "listener " + i + " has a queued connection");
                try (Accepted c = a.get()) {
                    assertEquals(clients.get(i).getLocalAddress(), c.remoteAddress());
                }
                assertEquals(Optional.empty(), ServerSockets.tryAccept(listeners.get(i)));
            }
        } finally {
            for (SocketChannel c : clients) {
                c.close();
            }
            for (ServerSocketChannel l : listeners) {
                l.close();
            }
        }
    }

    @Test
    void closedListenersNumberAndPortReusedByANewOne() throws Exception {
        ServerSocketChannel first = TestSockets.listener(StandardProtocolFamily.INET, dir);
        int port = ((InetSocketAddress) first.getLocalAddress()).getPort();
        ServerSockets.tryAccept(first); // registered
        first.close();
        try (ServerSocketChannel second = ServerSocketChannel.open()) {
            second.bind(new InetSocketAddress("127.0.0.1", port)).configureBlocking(false);
            assertEquals(Optional.empty(), ServerSockets.tryAccept(second));
            try (SocketChannel c = SocketChannel.open(second.getLocalAddress())) {
                Accepted a = TryAcceptContractTest.awaitAccept(second);
                try (a) {
                    assertEquals(c.getLocalAddress(), a.remoteAddress());
                }
            }
        }
    }

    @Test
    void closeReleasesARegisteredListenersPortAtOnce() throws Exception {
        ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir);
        InetSocketAddress address = (InetSocketAddress) l.getLocalAddress();
        ServerSockets.tryAccept(l); // registered with the epoll instance
        l.close();
        try (SocketChannel c = SocketChannel.open()) {
            org.junit.jupiter.api.Assertions.assertThrows(ConnectException.class, () -> c.connect(address));
        }
        try (ServerSocketChannel again = ServerSocketChannel.open().bind(address)) {
            assertTrue(again.isOpen());
        }
    }

    private void warmUp() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir);
             SocketChannel c = SocketChannel.open(l.getLocalAddress())) {
            TryAcceptContractTest.awaitAccept(l).close();
        }
    }
}
