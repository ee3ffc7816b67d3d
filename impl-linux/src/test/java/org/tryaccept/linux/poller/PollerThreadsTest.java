package org.tryaccept.linux.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tryaccept.Poller;

/** DESIGN section 8: wake-ups, calls from other threads while poll waits, a second poller thread, close. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PollerThreadsTest {
    private ServerSocketChannel listener;

    @BeforeEach
    void open() throws Exception {
        listener = Conn.listener();
    }

    @AfterEach
    void close() throws Exception {
        listener.close();
    }

    /** Runs {@code poller.poll(-1)} on another thread once it is known to be inside the wait. */
    private static CompletableFuture<Integer> pollForever(Poller poller) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            started.countDown();
            try {
                result.complete(poller.poll(-1));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "poller");
        t.setDaemon(true);
        t.start();
        started.await();
        Thread.sleep(100); // into epoll_wait (a late arrival only makes the test weaker, not wrong)
        return result;
    }

    @Test
    void wakeupFromAnotherThreadEndsAWaitWithNoEvent() throws Exception {
        try (Poller poller = Poller.open()) {
            CompletableFuture<Integer> polled = pollForever(poller);
            assertTrue(!polled.isDone(), "poll(-1) must wait");
            poller.wakeup();
            assertEquals(0, polled.get(5, TimeUnit.SECONDS), "woken, nothing reported");
        }
    }

    @Test
    void severalWakeupsAreUsedUpByOnePollAndNeverReported() throws Exception {
        try (Poller poller = Poller.open(); Conn c = Conn.open(listener)) {
            for (int i = 0; i < 5; i++) {
                poller.wakeup();
            }
            assertEquals(0, poller.poll(5_000), "the pending wake-up ends the poll at once, as no event");
            long t0 = System.nanoTime();
            assertEquals(0, poller.poll(200));
            assertTrue(System.nanoTime() - t0 >= 150_000_000L, "the five wake-ups were used up by one poll");

            poller.add(c.fd, Poller.WRITABLE, 5);
            poller.wakeup();
            poller.wakeup();
            assertEquals(1, poller.poll(5_000), "a wake-up is not an event");
            assertEquals(5, poller.token(0));
        }
    }

    @Test
    void wakeupBeforePollMakesTheNextPollReturn() throws Exception {
        try (Poller poller = Poller.open()) {
            poller.wakeup();
            long t0 = System.nanoTime();
            assertEquals(0, poller.poll(-1));
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
        }
    }

    @Test
    void addFromAnotherThreadWhilePollWaits() throws Exception {
        try (Poller poller = Poller.open(); Conn c = Conn.open(listener)) {
            CompletableFuture<Integer> polled = pollForever(poller);
            poller.add(c.fd, Poller.WRITABLE, 42);
            assertEquals(1, polled.get(5, TimeUnit.SECONDS));
            assertEquals(42, poller.token(0));
        }
    }

    @Test
    void aSecondPollingThreadIsRefused() throws Exception {
        try (Poller poller = Poller.open()) {
            CompletableFuture<Integer> polled = pollForever(poller);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> poller.poll(0));
            assertTrue(e.getMessage().contains("another thread"), e.getMessage());
            poller.wakeup();
            assertEquals(0, polled.get(5, TimeUnit.SECONDS));
            assertEquals(0, poller.poll(0), "free again once the first poll returned");
        }
    }

    @Test
    void closeWhileAnotherThreadPollsEndsThatPollAndReleasesTheFds() throws Exception {
        long before = Conn.openFds();
        Poller poller = Poller.open();
        poller.add(listener, Poller.READABLE, 1); // an inner epoll too
        assertEquals(before + 3, Conn.openFds(), "epoll, eventfd, one inner epoll");
        CompletableFuture<Integer> polled = pollForever(poller);
        poller.close();
        assertEquals(0, polled.get(5, TimeUnit.SECONDS), "close ends the wait");
        assertEquals(before, Conn.openFds(), "every fd of the poller released");
        assertThrows(IllegalStateException.class, () -> poller.poll(0));
    }

    @Test
    void everyCallOnAClosedPollerIsIllegalState() throws Exception {
        Poller poller = Poller.open();
        try (Conn c = Conn.open(listener)) {
            poller.add(c.fd, Poller.WRITABLE, 1);
            assertEquals(1, poller.poll(5_000));
            poller.close();
            poller.close(); // twice: no-op
            assertThrows(IllegalStateException.class, () -> poller.add(c.fd, Poller.READABLE, 1));
            assertThrows(IllegalStateException.class, () -> poller.modify(c.fd, Poller.READABLE, 1));
            assertThrows(IllegalStateException.class, () -> poller.remove(c.fd));
            assertThrows(IllegalStateException.class, () -> poller.add(listener, Poller.READABLE, 1));
            assertThrows(IllegalStateException.class, () -> poller.modify(listener, Poller.READABLE, 1));
            assertThrows(IllegalStateException.class, () -> poller.remove(listener));
            assertThrows(IllegalStateException.class, () -> poller.poll(0));
            assertThrows(IllegalStateException.class, () -> poller.token(0), "results of a closed poller");
            assertThrows(IllegalStateException.class, () -> poller.events(0));
            assertThrows(IllegalStateException.class, poller::wakeup);
            // the registered fd is the caller's: still open and usable
            assertEquals(1, org.tryaccept.SocketIo.write(c.fd, java.nio.ByteBuffer.wrap(new byte[] {1})));
        }
    }

    /** Many threads calling add/remove/wakeup while another closes: nothing crashes, fds come back. */
    @Test
    void closeRacingWithCallsFromOtherThreads() throws Exception {
        long before = Conn.openFds();
        try (Conn c = Conn.open(listener)) {
            long withConn = Conn.openFds();
            java.util.Queue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int round = 0; round < 200; round++) {
                Poller poller = Poller.open();
                CountDownLatch go = new CountDownLatch(1);
                Thread[] ts = new Thread[2];
                for (int k = 0; k < ts.length; k++) {
                    ts[k] = new Thread(() -> {
                        try {
                            go.await();
                            for (int i = 0; i < 50; i++) {
                                poller.wakeup();
                                try {
                                    poller.add(c.fd, Poller.READABLE, 1);
                                    poller.remove(c.fd);
                                } catch (org.tryaccept.ErrnoException expected) {
                                    // the other thread's add or remove came first
                                }
                            }
                        } catch (IllegalStateException closed) {
                            // the poller was closed under us: the only other outcome allowed
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    });
                    ts[k].start();
                }
                go.countDown();
                poller.close();
                for (Thread t : ts) {
                    t.join(5_000);
                }
                assertEquals(java.util.List.of(), java.util.List.copyOf(failures));
                assertEquals(withConn, Conn.openFds(), "round " + round);
            }
            assertTrue(withConn > before);
        }
    }
}
