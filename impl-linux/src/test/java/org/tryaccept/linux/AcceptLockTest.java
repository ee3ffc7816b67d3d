package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tryaccept.internal.FdAccess;
import org.tryaccept.internal.ForwardingSyscalls;

/**
 * The jdk-acceptlock fd-access mode (issue 11): what it saves, and the JDK behaviour it relies on.
 * Runs in every surefire execution: in the acceptlock one it asserts the JDK facts (close waits for the
 * acceptLock; configureBlocking waits for blockingLock) and that no duplicate is made per accept; in the
 * others that the mode is not chosen and each accept borrows exactly one duplicate.
 */
class AcceptLockTest {
    /**
     * Own threads: the common pool has one thread on a 2-core machine, so a task blocked in it (the held
     * accept) would keep the next one (the close) from ever starting, and a "close waits" check would pass
     * for the wrong reason.
     */
    private static final java.util.concurrent.ExecutorService THREADS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "accept-lock-test");
        t.setDaemon(true);
        return t;
    });
    private static final boolean ACCEPT_LOCK_RUN = "jdk-acceptlock".equals(System.getProperty("tryaccept.test.expectedFdAccess"));

    /** Counts the calls the accept path makes. */
    static final class Counting extends ForwardingSyscalls {
        final AtomicInteger dups = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger accepts = new AtomicInteger();

        Counting() {
            super(TestProviders.libc());
        }

        @Override
        public int dupCloexec(int fd, int cmd) {
            dups.incrementAndGet();
            return super.dupCloexec(fd, cmd);
        }

        @Override
        public int close(int fd) {
            closes.incrementAndGet();
            return super.close(fd);
        }

        @Override
        public int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
            accepts.incrementAndGet();
            return super.accept4(fd, addr, addrlen, flags);
        }
    }

    private static FdAccess thisRunsAccess() {
        return FdAccess.of(TestProviders.accessName(), TestProviders.platform(), TestProviders.libc());
    }

    private static ServerSocketChannel listener() throws IOException {
        ServerSocketChannel l = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 64);
        l.configureBlocking(false);
        return l;
    }

    private static SocketChannel connect(ServerSocketChannel l) throws IOException {
        SocketChannel c = SocketChannel.open();
        c.setOption(StandardSocketOptions.SO_LINGER, 0);
        c.connect(l.getLocalAddress());
        return c;
    }

    @Test
    void theModeIsChosenExactlyWhenSunNioChIsOpened() {
        ReentrantLock lock;
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            lock = thisRunsAccess().acceptLock(l);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        if (ACCEPT_LOCK_RUN) {
            assertEquals("jdk-acceptlock", TestProviders.fdAccessMode());
            assertNotNull(lock);
        } else {
            assertNull(lock);
            assertFalse(TestProviders.fdAccessMode().equals("jdk-acceptlock"));
            assertThrows(IllegalStateException.class,
                    () -> FdAccess.of("acceptlock", TestProviders.platform(), TestProviders.libc()));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void eachAcceptBorrowsADuplicateExceptInTheAcceptLockMode() throws Exception {
        Counting sys = new Counting();
        LinuxServerSocketsProvider p = TestProviders.linux(sys, thisRunsAccess());
        TestProviders.Peer peer = new TestProviders.Peer();
        try (ServerSocketChannel l = listener()) {
            assertFalse(peer.take(p, l)); // registers with epoll (one borrowed duplicate, whatever the mode)
            sys.dups.set(0);
            sys.closes.set(0);
            int n = 20;
            List<SocketChannel> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    clients.add(connect(l));
                    TestSockets.await(Duration.ofSeconds(5), () -> {
                        try {
                            return peer.take(p, l);
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }, "connection " + i);
                    assertEquals(clients.get(i).getLocalAddress(), peer.remoteAddress());
                    p.close(peer.fd());
                }
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
            assertEquals(n, sys.accepts.get(), "accept4 calls");
            int expectedDups = ACCEPT_LOCK_RUN ? 0 : n;
            assertEquals(expectedDups, sys.dups.get(), "F_DUPFD_CLOEXEC per accepted connection");
            assertEquals(expectedDups + n, sys.closes.get(), "closes: the duplicates, and the accepted fds");
        }
    }

    /**
     * The engine's own pinning, with an accept4 held in flight: in the acceptlock mode the user's close()
     * waits for it (as for the JDK's own accept), the fd number stays the listener's meanwhile, and the
     * port is free as soon as both have finished; in the duplicate modes close() returns at once and the
     * duplicate keeps the socket until the call ends. Either way the pending connection is not lost.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void closeDuringAnInFlightAcceptWaitsOrIsCoveredByTheDuplicate() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        ForwardingSyscalls held = new ForwardingSyscalls(TestProviders.libc()) {
            @Override
            public int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
                entered.countDown();
                try {
                    proceed.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.accept4(fd, addr, addrlen, flags);
            }
        };
        LinuxServerSocketsProvider p = TestProviders.linux(held, thisRunsAccess());
        ServerSocketChannel l = listener();
        InetSocketAddress address = (InetSocketAddress) l.getLocalAddress();
        int n = TestProviders.fdOf(l);
        SocketChannel client = connect(l);
        TestProviders.Peer peer = new TestProviders.Peer();
        CompletableFuture<Boolean> accept = CompletableFuture.supplyAsync(() -> {
            try {
                return peer.take(p, l);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, THREADS);
        try {
            assertTrue(entered.await(10, TimeUnit.SECONDS), "tryAccept reached accept4");
            CompletableFuture<Void> close = CompletableFuture.runAsync(() -> {
                try {
                    l.close();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, THREADS);
            if (ACCEPT_LOCK_RUN) {
                assertThrows(TimeoutException.class, () -> close.get(300, TimeUnit.MILLISECONDS),
                        "close() must wait for the accept that holds acceptLock");
                assertTrue(TestSockets.isOpenFd(n), "the JDK's fd stays open while the accept is in flight");
            } else {
                close.get(10, TimeUnit.SECONDS); // the duplicate, not the lock, covers the accept
            }
            proceed.countDown();
            assertTrue(accept.get(10, TimeUnit.SECONDS), "the pending connection was accepted, not lost");
            assertEquals(client.getLocalAddress(), peer.remoteAddress());
            p.close(peer.fd());
            close.get(10, TimeUnit.SECONDS);
            // Port free at once: no retry, no sleep.
            assertThrows(ConnectException.class, () -> SocketChannel.open(address).close());
            try (ServerSocketChannel again = ServerSocketChannel.open()) {
                again.bind(address);
            }
        } finally {
            proceed.countDown();
            client.close();
            l.close();
        }
    }

    /**
     * A blocking channel's own accept() holds acceptLock for as long as it waits for a connection. A
     * tryAccept that reaches the accept path of such a channel (through the SPI, which has no entry check,
     * or after a configureBlocking(true) that raced with ServerSockets' check) must refuse at once, never
     * queue for that lock: here another thread holds acceptLock, as the JDK's blocking accept() does.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aBlockingChannelIsRefusedWithoutWaitingForItsAcceptLock() throws Exception {
        LinuxServerSocketsProvider p = TestProviders.linux(TestProviders.libc(), thisRunsAccess());
        try (ServerSocketChannel l = listener()) {
            TestProviders.Peer peer = new TestProviders.Peer();
            assertFalse(peer.take(p, l)); // empty; registers the listener for readiness
            SocketChannel client = connect(l); // now one is pending: readiness will say so
            l.configureBlocking(true);
            ReentrantLock lock = thisRunsAccess().acceptLock(l);
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            java.util.concurrent.Future<?> holder = THREADS.submit(() -> {
                if (lock != null) {
                    lock.lock();
                }
                try {
                    held.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    if (lock != null) {
                        lock.unlock();
                    }
                }
                return null;
            });
            try {
                assertTrue(held.await(10, TimeUnit.SECONDS));
                CompletableFuture<Throwable> call = CompletableFuture.supplyAsync(() -> {
                    try {
                        peer.take(p, l);
                        return null;
                    } catch (Throwable t) {
                        return t;
                    }
                }, THREADS);
                Throwable t = call.get(5, TimeUnit.SECONDS); // a TimeoutException here: it queued for the lock
                assertTrue(t instanceof java.nio.channels.IllegalBlockingModeException, String.valueOf(t));
            } finally {
                release.countDown();
                holder.get(10, TimeUnit.SECONDS);
                client.close();
            }
        }
    }

    /**
     * JDK fact 1 (sun/nio/ch/ServerSocketChannelImpl.java, implCloseNonBlockingMode): a non-blocking
     * channel's close() waits for its acceptLock before it closes the fd; also when the channel is
     * registered with a Selector, whose deregistration finishes the close later (kill()).
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void jdkCloseWaitsForTheAcceptLock() throws Exception {
        if (!ACCEPT_LOCK_RUN) {
            try (ServerSocketChannel l = ServerSocketChannel.open()) {
                assertNull(thisRunsAccess().acceptLock(l)); // nothing to rely on: the duplicate protocol runs
            }
            return;
        }
        for (boolean registered : new boolean[] {false, true}) {
            ServerSocketChannel l = listener();
            InetSocketAddress address = (InetSocketAddress) l.getLocalAddress();
            int n = TestProviders.fdOf(l);
            Selector selector = Selector.open();
            try {
                if (registered) {
                    l.register(selector, SelectionKey.OP_ACCEPT);
                }
                ReentrantLock lock = thisRunsAccess().acceptLock(l);
                CompletableFuture<Void> close;
                lock.lock();
                try {
                    close = CompletableFuture.runAsync(() -> {
                        try {
                            l.close();
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }, THREADS);
                    assertThrows(TimeoutException.class, () -> close.get(300, TimeUnit.MILLISECONDS),
                            "close() returned while acceptLock was held (registered=" + registered + ")");
                    assertFalse(l.isOpen(), "closed flag is set before the wait");
                    assertTrue(TestSockets.isOpenFd(n), "fd still open while acceptLock is held");
                    SocketChannel.open(address).close(); // still listening
                } finally {
                    lock.unlock();
                }
                close.get(10, TimeUnit.SECONDS);
                if (registered) {
                    selector.selectNow(); // the deferred close (kill) happens on deregistration
                }
                assertThrows(ConnectException.class, () -> SocketChannel.open(address).close());
            } finally {
                selector.close();
                l.close();
            }
        }
    }

    /**
     * JDK fact 2 (java/nio/channels/spi/AbstractSelectableChannel.java, configureBlocking): the mode and
     * the flag isBlocking() reads change under blockingLock(), so the engine, which holds it, sees a
     * blocking mode that stays as seen.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void configureBlockingWaitsForBlockingLock() throws Exception {
        try (ServerSocketChannel l = listener()) {
            CompletableFuture<Void> toBlocking;
            synchronized (l.blockingLock()) {
                toBlocking = CompletableFuture.runAsync(() -> {
                    try {
                        l.configureBlocking(true);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }, THREADS);
                assertThrows(TimeoutException.class, () -> toBlocking.get(300, TimeUnit.MILLISECONDS));
                assertFalse(l.isBlocking());
                assertTrue((TestSockets.statusFlags(TestProviders.fdOf(l)) & LinuxConstants.O_NONBLOCK) != 0,
                        "the fd is still non-blocking");
            }
            toBlocking.get(10, TimeUnit.SECONDS);
            assertTrue(l.isBlocking());
        }
    }
}
