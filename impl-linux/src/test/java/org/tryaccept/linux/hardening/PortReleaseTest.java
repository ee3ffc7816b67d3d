package org.tryaccept.linux.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;

/**
 * Issue 6.2: the library's transient duplicate must not outlive the call that made it, so after the
 * user's close() the port is free at once, exactly as with the JDK alone: a connect is refused and
 * the address can be bound again, with no retry and no sleep in between.
 */
class PortReleaseTest {
    private static final int ROUNDS = 60;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closeReleasesThePortAtOnceAfterTryAccept() throws Exception {
        String mode = Net.fdAccessMode();
        AcceptBuffer buf = new AcceptBuffer();
        for (int round = 0; round < ROUNDS; round++) {
            List<SocketChannel> clients = new ArrayList<>();
            ServerSocketChannel listener = Net.listener(16);
            InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
            try {
                // Exercise every path that touches the fd: empty poll, accepts through both API forms,
                // an option round trip on a duplicate, and leave one connection pending at close.
                assertTrue(ServerSockets.tryAccept(listener).isEmpty());
                for (int i = 0; i < 3; i++) {
                    clients.add(Net.connect(address));
                }
                Optional<Accepted> first = ServerSockets.tryAccept(listener);
                assertTrue(first.isPresent());
                first.get().close();
                assertTrue(ServerSockets.tryAccept(listener, buf));
                Net.closeFd(buf.fd());
                ServerSockets.setOption(listener, org.tryaccept.ServerSocketOptions.TCP_DEFER_ACCEPT, round % 3);
                ServerSockets.getOption(listener, org.tryaccept.ServerSocketOptions.TCP_DEFER_ACCEPT);
            } finally {
                listener.close();
            }
            assertReleased(address, "round " + round + " [" + mode + "]");
            assertThrows(ClosedChannelException.class, () -> ServerSockets.tryAccept(listener));
            Net.closeAll(clients);
        }
    }

    /**
     * Close from another thread while a drainer keeps taking connections (so it is often between its
     * duplicate and the duplicate's close). Once the drainer's call has returned, with
     * ClosedChannelException or otherwise, the port must be free: the duplicate lives only inside
     * one call. Also counts how often the port was still held right when close() returned, because
     * close() cannot wait for a tryAccept in flight the way the JDK's close waits for its own accept.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void portIsFreeOnceAConcurrentTryAcceptHasReturned() throws Exception {
        String mode = Net.fdAccessMode();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "port-release");
            t.setDaemon(true);
            return t;
        });
        int heldAtClose = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                ServerSocketChannel listener = Net.listener(128);
                InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
                List<SocketChannel> clients = new ArrayList<>();
                try {
                    // warm the fd lookup so the drainer is in its accept loop when the close lands
                    assertTrue(ServerSockets.tryAccept(listener).isEmpty());
                    for (int i = 0; i < 40; i++) {
                        clients.add(Net.connect(address));
                    }
                    Future<String> drainer = pool.submit(() -> {
                        try {
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                            while (System.nanoTime() < deadline) {
                                ServerSockets.tryAccept(listener).ifPresent(a -> {
                                    try {
                                        a.close();
                                    } catch (IOException e) {
                                        throw new java.io.UncheckedIOException(e);
                                    }
                                });
                            }
                            return "no ClosedChannelException within 10 s";
                        } catch (ClosedChannelException expected) {
                            return "closed";
                        }
                    });
                    Thread.sleep(0, 50_000 * (round % 5));
                    listener.close();
                    if (!portFreeNow(address)) {
                        heldAtClose++;
                    }
                    assertEquals("closed", drainer.get(10, TimeUnit.SECONDS), "drainer outcome");
                } finally {
                    listener.close();
                }
                assertReleased(address, "round " + round + " [" + mode + "]");
                Net.closeAll(clients);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        System.out.printf("port release [%s]: %d rounds; port still held by an in-flight tryAccept right after close(): %d%n",
                mode, ROUNDS, heldAtClose);
    }

    /**
     * A probe that changes nothing when the port is free: a refused connect. A reset means the SYN
     * reached a listener that was still held by the in-flight duplicate and went away under it.
     */
    private static boolean portFreeNow(InetSocketAddress address) throws IOException {
        try (SocketChannel c = SocketChannel.open()) {
            c.connect(address);
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (java.net.SocketException resetWhileHeld) {
            return false;
        }
    }

    private static void assertReleased(InetSocketAddress address, String where) throws IOException {
        assertThrows(ConnectException.class, () -> {
            try (SocketChannel c = SocketChannel.open()) {
                c.connect(address);
            }
        }, where + ": connect to the closed listener's port was not refused");
        try (ServerSocketChannel again = ServerSocketChannel.open()) {
            try {
                again.bind(address);
            } catch (BindException e) {
                throw new AssertionError(where + ": could not bind " + address + " again at once", e);
            }
            assertEquals(address, again.getLocalAddress());
        }
    }
}
