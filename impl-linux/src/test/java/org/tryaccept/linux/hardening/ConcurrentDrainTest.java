package org.tryaccept.linux.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tryaccept.internal.ForwardingSyscalls;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;
import org.tryaccept.conformance.FdChecks;

/**
 * Issue 6.4: several threads drain one listener while thousands of connections arrive; each
 * connection, identified by the client's local port, is accepted exactly once and none is lost, also
 * when the JDK's own accept() drains the same listener at the same time.
 */
class ConcurrentDrainTest {
    private static final int CONNECTIONS = 2_000;
    private static final int CONNECTORS = 2;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fourTryAcceptDrainersTakeEachConnectionOnce() throws Exception {
        run(4, 0);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void tryAcceptDrainersAndJdkAcceptTakeEachConnectionOnce() throws Exception {
        run(4, 1);
    }

    /**
     * Found by the drain above in discovery mode ("could not tell 2 listeners apart"): thread B scans
     * /proc/self/fd for a fresh listener while thread A, which found it first, holds the library's
     * transient duplicate of it, so B's scan sees two listening fds with the listener's address.
     * Deterministic through the seam: B's scan waits (at most 500 ms) until A is inside accept4 on
     * its duplicate, and A stays there until B's scan is over. Both calls must succeed.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void fdDiscoveryIsNotConfusedByATransientDuplicate() throws Exception {
        org.tryaccept.internal.Platform platform =
                ((org.tryaccept.internal.FfmProvider) ServerSockets.provider()).platform();
        java.util.concurrent.CountDownLatch aInAccept = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch bScanned = new java.util.concurrent.CountDownLatch(1);
        Thread[] b = new Thread[1];
        java.util.concurrent.atomic.AtomicBoolean bWaited = new java.util.concurrent.atomic.AtomicBoolean();
        ForwardingSyscalls sys = new ForwardingSyscalls(org.tryaccept.linux.TestProviders.libc()) {
            @Override
            public int getsockoptInt(int fd, int level, int name) {
                if (Thread.currentThread() == b[0] && bWaited.compareAndSet(false, true)) {
                    await(aInAccept); // once: with the fix, A waits for B's scan and never gets there
                }
                return real.getsockoptInt(fd, level, name);
            }

            @Override
            public int accept4(int fd, java.lang.foreign.MemorySegment addr, java.lang.foreign.MemorySegment len, int flags) {
                if (Thread.currentThread() != b[0]) {
                    aInAccept.countDown();
                    await(bScanned);
                }
                return real.accept4(fd, addr, len, flags);
            }
        };
        org.tryaccept.linux.LinuxServerSocketsProvider provider = org.tryaccept.linux.TestProviders.linux(
                sys, org.tryaccept.internal.FdAccess.of("discovery", platform, sys));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (ServerSocketChannel listener = Net.listener(8);
                SocketChannel c1 = Net.connect(listener.getLocalAddress());
                SocketChannel c2 = Net.connect(listener.getLocalAddress())) {
            Future<Integer> fromB = pool.submit(() -> {
                b[0] = Thread.currentThread();
                try {
                    org.tryaccept.linux.TestProviders.Peer buf = new org.tryaccept.linux.TestProviders.Peer();
                    return buf.take(provider, listener) ? buf.fd() : -1;
                } finally {
                    bScanned.countDown();
                }
            });
            while (b[0] == null) {
                Thread.onSpinWait();
            }
            Future<Integer> fromA = pool.submit(() -> {
                org.tryaccept.linux.TestProviders.Peer buf = new org.tryaccept.linux.TestProviders.Peer();
                return buf.take(provider, listener) ? buf.fd() : -1;
            });
            int fdA = fromA.get(20, TimeUnit.SECONDS);
            int fdB = fromB.get(20, TimeUnit.SECONDS);
            try {
                assertTrue(fdA >= 0 && fdB >= 0, "both pending connections accepted");
                assertEquals(listener.getLocalAddress(), Net.localAddressOf(fdA));
                assertEquals(listener.getLocalAddress(), Net.localAddressOf(fdB));
            } finally {
                Net.closeFd(fdA);
                Net.closeFd(fdB);
            }
        } finally {
            bScanned.countDown();
            aInAccept.countDown();
            pool.shutdownNow();
        }
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param tryAcceptThreads drainers calling tryAccept (even ones the Optional form, odd ones the
     *                         AcceptBuffer form)
     * @param jdkThreads       drainers calling the channel's own non-blocking accept()
     */
    private static void run(int tryAcceptThreads, int jdkThreads) throws Exception {
        String mode = Net.fdAccessMode();
        long fdsBefore = FdChecks.openFdCount();
        Map<Integer, String> takenBy = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> duplicates = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger byJdk = new AtomicInteger();
        AtomicLong emptyCalls = new AtomicLong();
        List<SocketChannel> clients = java.util.Collections.synchronizedList(new ArrayList<>(CONNECTIONS));
        List<Integer> clientPorts = java.util.Collections.synchronizedList(new ArrayList<>(CONNECTIONS));
        int drainers = tryAcceptThreads + jdkThreads;
        ExecutorService pool = Executors.newFixedThreadPool(drainers + CONNECTORS, r -> {
            Thread t = new Thread(r, "drain");
            t.setDaemon(true);
            return t;
        });
        // Connections start only once every drainer runs: on a loaded 2-core machine the last drainer
        // submitted (the JDK's) could otherwise start after the other threads took all 2000, and the
        // "JDK shared the work" check below would fail without anything being wrong.
        java.util.concurrent.CountDownLatch drainersRunning = new java.util.concurrent.CountDownLatch(drainers);
        long start = System.nanoTime();
        try (ServerSocketChannel listener = Net.listener(4096)) {
            SocketAddress address = listener.getLocalAddress();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<Future<?>> futures = new ArrayList<>();
            for (int d = 0; d < drainers; d++) {
                String name = d < tryAcceptThreads ? "tryAccept-" + d : "jdk-" + d;
                boolean jdk = d >= tryAcceptThreads;
                boolean useBuffer = (d & 1) == 1;
                futures.add(pool.submit(() -> {
                    AcceptBuffer buf = new AcceptBuffer();
                    drainersRunning.countDown();
                    try {
                        while (accepted.get() < CONNECTIONS && System.nanoTime() < deadline) {
                            int port;
                            if (jdk) {
                                SocketChannel c = listener.accept();
                                if (c == null) {
                                    emptyCalls.incrementAndGet();
                                    Thread.yield();
                                    continue;
                                }
                                try (c) {
                                    port = Net.port(c.getRemoteAddress());
                                }
                                byJdk.incrementAndGet();
                            } else if (useBuffer) {
                                if (!ServerSockets.tryAccept(listener, buf)) {
                                    emptyCalls.incrementAndGet();
                                    Thread.yield();
                                    continue;
                                }
                                port = buf.port();
                                Net.closeFd(buf.fd());
                            } else {
                                Optional<Accepted> a = ServerSockets.tryAccept(listener);
                                if (a.isEmpty()) {
                                    emptyCalls.incrementAndGet();
                                    Thread.yield();
                                    continue;
                                }
                                try (Accepted c = a.get()) {
                                    port = Net.port(c.remoteAddress());
                                }
                            }
                            String previous = takenBy.putIfAbsent(port, name);
                            if (previous != null) {
                                duplicates.add("port " + port + " taken by " + previous + " and " + name);
                            }
                            accepted.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                    return null;
                }));
            }
            for (int c = 0; c < CONNECTORS; c++) {
                futures.add(pool.submit(() -> {
                    try {
                        if (!drainersRunning.await(30, TimeUnit.SECONDS)) {
                            throw new AssertionError("drainers did not start within 30 s");
                        }
                        for (int i = 0; i < CONNECTIONS / CONNECTORS; i++) {
                            SocketChannel s = Net.connect(address);
                            clients.add(s);
                            clientPorts.add(Net.port(s.getLocalAddress()));
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(90, TimeUnit.SECONDS);
            }
            // Nothing left behind in the queue, and nothing accepted that no client made.
            assertTrue(ServerSockets.tryAccept(listener).isEmpty(), "a connection was left in the queue");
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            Net.closeAll(clients);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("concurrent drain [%s]: %d tryAccept + %d JDK accept threads, %d connections in %d ms, "
                        + "%d taken by the JDK, %d empty calls, %d duplicates%n",
                mode, tryAcceptThreads, jdkThreads, accepted.get(), millis, byJdk.get(), emptyCalls.get(),
                duplicates.size());
        assertEquals(List.of(), List.copyOf(failures));
        assertEquals(List.of(), List.copyOf(duplicates));
        assertEquals(CONNECTIONS, clientPorts.size());
        assertEquals(new java.util.HashSet<>(clientPorts), takenBy.keySet(), "accepted set differs from connected set");
        assertEquals(CONNECTIONS, accepted.get());
        if (jdkThreads > 0) {
            assertTrue(byJdk.get() > 0 && byJdk.get() < CONNECTIONS, "the JDK's accept did not share the work");
        }
        assertEquals(fdsBefore, FdChecks.openFdCount(), "fds leaked");
    }
}
