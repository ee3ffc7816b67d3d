package org.tryaccept.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tryaccept.ServerSocketOptions;

/**
 * Example-based checks of the accept and TCP_DEFER_ACCEPT contract (the README's "Errors" and
 * TCP_DEFER_ACCEPT sections): the states of the listener (closed, not
 * bound), the accepted fd, the option contract, thread safety and the close race, and the allocation
 * of the nothing-pending path. Subclass it and return your provider:
 *
 * <pre>{@code
 * class MyContractTest extends AbstractTryAcceptContractTest {
 *     public ServerSocketsProvider provider() { return new MyProvider(); }
 * }
 * }</pre>
 *
 * @since 0.1
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class AbstractTryAcceptContractTest implements ProviderUnderTest {

    @Test
    void closedListenerThrowsClosedChannelException() throws IOException {
        LoopbackListener l = LoopbackListener.open(ListenerKind.IPV4, 16);
        l.close();
        assertThrows(ClosedChannelException.class, () -> new Acceptor(provider()).tryOnce(l.channel()));
    }

    @Test
    void unboundListenerThrowsNotYetBound() throws IOException {
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            ch.configureBlocking(false);
            assertThrows(NotYetBoundException.class, () -> new Acceptor(provider()).tryOnce(ch));
        }
    }

    @Test
    void everyKindOfListenerHandsOutFlaggedFdsWithTheClientsAddress() throws IOException {
        Acceptor acceptor = new Acceptor(provider());
        for (ListenerKind kind : ListenerKind.values()) {
            if (!kind.isAvailable()) {
                continue;
            }
            try (LoopbackListener l = LoopbackListener.open(kind, 16)) {
                assertEquals(-1, new Acceptor(provider()).tryAcceptFd(l.channel()), kind + ": nothing pending yet");
                SocketChannel client = l.connect();
                Acceptor.Conn c = acceptor.await(l.channel());
                assertNotNull(c, kind + ": the pending connection was not returned");
                try {
                    assertTrue(FdChecks.isNonBlocking(c.fd()), kind + ": fd not O_NONBLOCK");
                    assertTrue(FdChecks.isCloseOnExec(c.fd()), kind + ": fd not FD_CLOEXEC");
                    assertEquals(client.getLocalAddress(), c.remote(), kind + ": remote address");
                } finally {
                    acceptor.close(c);
                }
                assertEquals(null, acceptor.tryOnce(l.channel()), kind + ": queue should be empty again");
            }
        }
    }

    @Test
    void closeReleasesTheAcceptedFd() throws IOException {
        try (LoopbackListener l = LoopbackListener.open(ListenerKind.IPV4, 16)) {
            Acceptor acceptor = new Acceptor(provider());
            SocketChannel client = l.connect();
            Acceptor.Conn c = acceptor.await(l.channel());
            assertNotNull(c);
            acceptor.close(c);
            // The peer sees the close: a read returns end-of-stream rather than blocking.
            client.configureBlocking(true);
            client.socket().setSoTimeout(5000);
            assertEquals(-1, client.socket().getInputStream().read(), "the client should see the server's close");
        }
    }

    @Test
    void deferAcceptOptionFollowsSection4() throws IOException {
        try (LoopbackListener l = LoopbackListener.open(ListenerKind.IPV4, 16)) {
            if (!deferralSupported()) {
                assertThrows(UnsupportedOperationException.class,
                        () -> provider().setOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT, 5));
                assertThrows(UnsupportedOperationException.class,
                        () -> provider().getOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT));
                return;
            }
            assertThrows(IllegalArgumentException.class,
                    () -> provider().setOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT, -1));
            provider().setOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT, 5);
            int on = provider().getOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT);
            assertTrue(deferralReportsSeconds() ? on >= 5 : on > 0, "getOption after setOption(5) read " + on);
            provider().setOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT, 0);
            assertEquals(0, provider().getOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT));
        }
    }

    /** Two threads of tryAccept and the JDK's own accept() on one listener: each connection once. */
    @Test
    void concurrentCallersGetEachConnectionExactlyOnce() throws Exception {
        int connections = 200;
        try (LoopbackListener l = LoopbackListener.open(ListenerKind.IPV4, 256)) {
            Set<SocketAddress> seen = ConcurrentHashMap.newKeySet();
            List<SocketAddress> duplicates = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(connections);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                boolean jdk = t == 2;
                threads.add(Thread.ofPlatform().daemon().start(() -> {
                    Acceptor acceptor = new Acceptor(provider());
                    try {
                        while (done.getCount() > 0 && failure.get() == null) {
                            SocketAddress remote;
                            if (jdk) {
                                SocketChannel s = l.channel().accept();
                                if (s == null) {
                                    Thread.onSpinWait();
                                    continue;
                                }
                                remote = s.getRemoteAddress();
                                s.close();
                            } else {
                                Acceptor.Conn c = acceptor.tryOnce(l.channel());
                                if (c == null) {
                                    Thread.onSpinWait();
                                    continue;
                                }
                                remote = c.remote();
                                acceptor.close(c);
                            }
                            if (!seen.add(remote)) {
                                synchronized (duplicates) {
                                    duplicates.add(remote);
                                }
                            }
                            done.countDown();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (int i = 0; i < connections; i++) {
                l.connect();
                if (l.clients().size() > 32) { // keep the client side's fds bounded
                    l.clients().remove(0).close();
                }
            }
            // Wait for all connections, but stop at once when a caller failed: its failure is the answer.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean finished = false;
            while (!finished && failure.get() == null && System.nanoTime() < deadline) {
                finished = done.await(50, TimeUnit.MILLISECONDS);
            }
            for (Thread t : threads) {
                t.join(5000);
            }
            if (failure.get() != null) {
                throw new AssertionError("a caller failed", failure.get());
            }
            assertTrue(finished, "only " + (connections - done.getCount()) + " of " + connections + " were accepted");
            assertEquals(List.of(), duplicates, "connections returned twice");
            assertEquals(connections, seen.size());
        }
    }

    /**
     * Closing the listener while other threads call tryAccept gives results or
     * ClosedChannelException only, and the port is free at once, as with the JDK alone.
     */
    @Test
    void closeDuringTryAcceptReleasesThePort() throws Exception {
        for (int round = 0; round < 20; round++) {
            LoopbackListener l = LoopbackListener.open(ListenerKind.IPV4, 16);
            int port = ((InetSocketAddress) l.channel().getLocalAddress()).getPort();
            AtomicReference<Throwable> unexpected = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread caller = Thread.ofPlatform().daemon().start(() -> {
                Acceptor acceptor = new Acceptor(provider());
                started.countDown();
                try {
                    while (true) {
                        Acceptor.Conn c = acceptor.tryOnce(l.channel());
                        if (c != null) {
                            acceptor.close(c);
                        }
                    }
                } catch (ClosedChannelException expected) {
                    // the contract's answer once the listener is closed
                } catch (Throwable t) {
                    unexpected.set(t);
                }
            });
            started.await();
            l.connect();
            l.close();
            caller.join(10_000);
            assertFalse(caller.isAlive(), "tryAccept kept running after close");
            if (unexpected.get() != null) {
                throw new AssertionError("round " + round + ": only ClosedChannelException may follow a close",
                        unexpected.get());
            }
            try (ServerSocketChannel again = ServerSocketChannel.open()) {
                again.bind(new InetSocketAddress("127.0.0.1", port)); // fails if a duplicate kept it listening
            }
        }
    }

    /**
     * The nothing-pending path allocates nothing once warmed up, measured with the thread's
     * allocated-bytes counter over many calls.
     */
    @Test
    void nothingPendingAllocatesNothing() throws IOException {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes");
        threads.setThreadAllocatedMemoryEnabled(true);
        for (ListenerKind kind : List.of(ListenerKind.IPV4, ListenerKind.UNIX)) {
            try (LoopbackListener l = LoopbackListener.open(kind, 16)) {
                Acceptor acceptor = new Acceptor(provider());
                ServerSocketChannel ch = l.channel();
                long best = Long.MAX_VALUE;
                // Early rounds may run interpreted or allocate on first use (lazy linking, thread
                // locals), and code compiled by C1 allocates what C2's escape analysis removes later
                // (FFM's errno-capture slices, for one); on a busy machine C2 can take seconds to
                // arrive. The contract is about the steady state, so the best round counts; rounds go
                // on until one allocates nothing, for at most 30 s.
                long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
                for (int round = 0; best > 0 && (round < 20 || System.nanoTime() < giveUp); round++) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    boolean any = false;
                    for (int i = 0; i < 20_000; i++) {
                        any |= acceptor.tryAcceptFd(ch) != -1;
                    }
                    long after = threads.getCurrentThreadAllocatedBytes();
                    assertFalse(any, "nothing was pending");
                    best = Math.min(best, after - before - counterOverhead(threads));
                }
                assertEquals(0, Math.max(0, best), kind + ": bytes allocated by 20,000 empty tryAccept calls");
            }
        }
    }

    /** @return what two back-to-back reads of the counter report on their own */
    private static long counterOverhead(com.sun.management.ThreadMXBean threads) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long a = threads.getCurrentThreadAllocatedBytes();
            long b = threads.getCurrentThreadAllocatedBytes();
            min = Math.min(min, b - a);
        }
        return min;
    }
}
