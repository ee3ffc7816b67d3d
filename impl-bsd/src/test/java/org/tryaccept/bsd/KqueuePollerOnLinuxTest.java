package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;
import static org.tryaccept.bsd.TestSupport.*;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tryaccept.ErrnoException;
import org.tryaccept.Poller;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.spi.PollerBackend;

/**
 * {@link KqueuePoller}, unchanged, behind both BSD providers, over {@link KqueueOnLinux} (a model of
 * kqueue(2) on real Linux sockets) and {@link BsdKernelOnLinux}: the wake-up, the EEXIST/ENOENT
 * book-keeping, modify diffing, one-shot re-arming, fds closed without remove, and the listener
 * protocol including a close that recycles the number during the registration. The backend is driven
 * directly (Poller itself is the api module's, tested on Linux).
 */
class KqueuePollerOnLinuxTest {

    record Setup(String name, FfmProvider provider, KqueueOnLinux kq) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Setup> setups() {
        KqueueOnLinux f = KqueueOnLinux.freebsd();
        KqueueOnLinux m = KqueueOnLinux.macos();
        return List.of(
                new Setup("FreeBSD", new FreeBsdServerSocketsProvider(BsdKernelOnLinux.freebsd(), hostFdAccess(), f,
                        BsdIoOnLinux.freebsd()), f),
                new Setup("macOS", new MacOsServerSocketsProvider(BsdKernelOnLinux.macos(), hostFdAccess(), m,
                        BsdIoOnLinux.macos()), m));
    }

    private static int accept(FfmProvider p, ServerSocketChannel l) throws Exception {
        return acceptWithin(p, l).orElseThrow().fd();
    }

    /** Polls until something other than nothing is reported, up to 2 s. */
    private static int pollSome(PollerBackend b) throws Exception {
        int n = b.poll(2000);
        return n;
    }

    @ParameterizedTest
    @MethodSource("setups")
    void wakeupsAreUsedUpByOnePollAndNeverReported(Setup s) throws Exception {
        PollerBackend b = s.provider().openPoller(8);
        try {
            b.wakeup();
            b.wakeup();
            long t0 = System.nanoTime();
            assertEquals(0, b.poll(-1), "a wake-up is not an event");
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
            assertEquals(0, b.poll(0), "both wake-ups used up by one poll");
            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return b.poll(-1);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(50);
            b.wakeup();
            assertEquals(0, waiting.get(5, TimeUnit.SECONDS));
        } finally {
            b.close();
        }
    }

    @ParameterizedTest
    @MethodSource("setups")
    void rawFdRegistrationFollowsEpollRules(Setup s) throws Exception {
        PollerBackend b = s.provider().openPoller(8);
        try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
             SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
            int fd = accept(s.provider(), l);
            b.add(fd, Poller.READABLE, 7);
            assertEquals(0, b.poll(0));
            ErrnoException twice = assertThrows(ErrnoException.class, () -> b.add(fd, Poller.READABLE, 7));
            assertEquals("EEXIST", twice.errnoName());
            assertEquals(17, twice.errno());
            assertEquals(1, s.kq().knoteCount(fd), "the failed add left the registration as it was");

            client.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertEquals(1, pollSome(b));
            assertEquals(7, b.token(0));
            assertEquals(Poller.READABLE, b.events(0));

            b.modify(fd, Poller.READABLE | Poller.WRITABLE, 8);
            assertEquals(1, b.poll(2000), "two filters, one entry");
            assertEquals(8, b.token(0));
            assertEquals(Poller.READABLE | Poller.WRITABLE, b.events(0));

            b.modify(fd, Poller.WRITABLE, 9);
            assertEquals(1, s.kq().knoteCount(fd), "modify deleted EVFILT_READ");
            assertEquals(1, b.poll(2000));
            assertEquals(Poller.WRITABLE, b.events(0));

            b.modify(fd, 0, 10);
            assertEquals(1, s.kq().knoteCount(fd), "interest 0: a disabled placeholder knote");
            assertEquals(0, b.poll(50), "no interest: nothing reported");

            b.remove(fd);
            assertEquals(0, s.kq().knoteCount(fd));
            assertEquals(0, b.poll(0));
            assertEquals("ENOENT", assertThrows(ErrnoException.class, () -> b.remove(fd)).errnoName());
            assertEquals("ENOENT", assertThrows(ErrnoException.class, () -> b.modify(fd, Poller.READABLE, 1)).errnoName());
            assertThrows(UnsupportedOperationException.class, () -> b.add(fd, Poller.READABLE | Poller.EXCLUSIVE, 1));
            assertEquals(0, s.kq().knoteCount(fd), "nothing registered by the refused EXCLUSIVE");

            b.add(fd, Poller.READABLE | Poller.EDGE_TRIGGERED, 11);
            client.close();
            assertEquals(1, b.poll(2000));
            assertEquals(11, b.token(0));
            assertEquals(Poller.READABLE | Poller.HANGUP, b.events(0), "peer closed: EV_EOF is HANGUP");
            assertEquals(0, b.poll(50), "edge-triggered: reported once");
            s.provider().close(fd);
        } finally {
            b.close();
        }
    }

    @ParameterizedTest
    @MethodSource("setups")
    void oneShotFiresOnceAndModifyRearmsIt(Setup s) throws Exception {
        PollerBackend c = s.provider().openPoller(8);
        try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
             SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
            int fd = accept(s.provider(), l);
            client.write(ByteBuffer.wrap(new byte[] {1}));
            c.add(fd, Poller.READABLE | Poller.ONE_SHOT, 3);
            assertEquals(1, c.poll(2000));
            assertEquals(0, c.poll(50));
            c.modify(fd, Poller.READABLE | Poller.ONE_SHOT, 4); // re-arm: ENOENT of the fired knote is fine
            assertEquals(1, c.poll(2000));
            assertEquals(4, c.token(0));
            c.modify(fd, Poller.READABLE | Poller.ONE_SHOT, 5);
            c.remove(fd); // armed: deleted
            c.add(fd, Poller.READABLE | Poller.ONE_SHOT, 6);
            assertEquals(1, c.poll(2000));
            c.remove(fd); // fired: nothing in the kernel, still fine for the Poller
            assertEquals("ENOENT", assertThrows(ErrnoException.class, () -> c.remove(fd)).errnoName());
            // The documented difference from epoll: a fired EV_ONESHOT knote is deleted by the kernel, so
            // an add after it fired succeeds (re-registers) where EPOLLONESHOT would answer EEXIST.
            c.add(fd, Poller.READABLE | Poller.ONE_SHOT, 7);
            assertEquals(1, c.poll(2000));
            c.add(fd, Poller.READABLE, 8);
            assertEquals(1, c.poll(2000));
            assertEquals(8, c.token(0));
            c.remove(fd);
            s.provider().close(fd);
        } finally {
            c.close();
        }
    }

    @ParameterizedTest
    @MethodSource("setups")
    void fdClosedWithoutRemoveLeavesNoStaleStateAndItsNumberCanBeAddedAgain(Setup s) throws Exception {
        PollerBackend b = s.provider().openPoller(8);
        try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
             SocketChannel c1 = SocketChannel.open(l.getLocalAddress())) {
            int fd = accept(s.provider(), l);
            b.add(fd, Poller.READABLE, 100);
            s.provider().close(fd); // closing removes the knote (kqueue(2))
            c1.write(ByteBuffer.wrap(new byte[] {1}));
            try (SocketChannel c2 = SocketChannel.open(l.getLocalAddress())) {
                int fresh = accept(s.provider(), l);
                // put the new connection on the closed fd's number, as the next open would
                int again = TestSupport.LINUX_CALLS.fcntl(fresh, Expected.LINUX_F_DUPFD_CLOEXEC, fd);
                TestSupport.LINUX_CALLS.close(fresh);
                assertEquals(fd, again, "the number is reused by another socket");
                assertEquals(0, b.poll(50), "nothing for the closed fd, and the new one is not registered");
                b.add(again, Poller.READABLE, 200); // the stale entry is detected, not EEXIST
                c2.write(ByteBuffer.wrap(new byte[] {1}));
                assertEquals(1, b.poll(2000));
                assertEquals(200, b.token(0));
                s.provider().close(again);
                assertEquals("EBADF", assertThrows(ErrnoException.class, () -> b.modify(again, Poller.READABLE, 1))
                        .errnoName(), "closed and not reused: EBADF, as epoll");
                assertEquals("ENOENT", assertThrows(ErrnoException.class, () -> b.remove(again)).errnoName(),
                        "and forgotten");
            }
        } finally {
            b.close();
        }
    }

    @ParameterizedTest
    @MethodSource("setups")
    void listenerRegistrationOnTheJdkNumber(Setup s) throws Exception {
        PollerBackend b = s.provider().openPoller(8);
        ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
        try {
            b.add(l, Poller.READABLE | Poller.WRITABLE, 5);
            assertEquals(0, b.poll(0));
            assertEquals("EEXIST", assertThrows(ErrnoException.class, () -> b.add(l, Poller.READABLE, 5)).errnoName());
            try (SocketChannel c = SocketChannel.open(l.getLocalAddress())) {
                assertEquals(1, b.poll(2000));
                assertEquals(5, b.token(0));
                assertEquals(Poller.READABLE, b.events(0), "a listener is only ever readable");
                b.modify(l, 0, 5); // EMFILE back-off
                assertEquals(0, b.poll(50));
                b.modify(l, Poller.READABLE, 6);
                assertEquals(1, b.poll(2000));
                assertEquals(6, b.token(0));
                b.remove(l);
                assertEquals(0, b.poll(50));
                assertEquals("ENOENT", assertThrows(ErrnoException.class, () -> b.remove(l)).errnoName());
                b.add(l, Poller.READABLE, 7);
                l.close(); // the JDK closes its number: the knote goes with it
                assertEquals(0, b.poll(50), "no event for a closed listener");
                assertThrows(ClosedChannelException.class, () -> b.modify(l, Poller.READABLE, 7));
                assertThrows(ClosedChannelException.class, () -> b.remove(l));
                assertThrows(ClosedChannelException.class, () -> b.add(l, Poller.READABLE, 7));
            }
        } finally {
            l.close();
            b.close();
        }
    }

    /**
     * The race of step 3 of the protocol: the channel is closed, and its number reused by a decoy
     * listener with a pending connection, right inside the kevent call that registers it. The add must
     * fail with ClosedChannelException and leave nothing registered on the decoy.
     */
    @ParameterizedTest
    @MethodSource("setups")
    void listenerClosedAndNumberRecycledDuringTheRegistration(Setup s) throws Exception {
        PollerBackend b = s.provider().openPoller(8);
        ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
        ServerSocketChannel[] decoy = new ServerSocketChannel[1];
        SocketChannel[] decoyClient = new SocketChannel[1];
        try {
            int n = (int) TestSupport.hostFdAccess().fdOf(l);
            s.kq().beforeChange = ident -> {
                if (ident[0] != n || decoy[0] != null) {
                    return;
                }
                try {
                    l.close();
                    decoy[0] = listener(InetAddress.getLoopbackAddress()); // takes the lowest free number: n
                    decoyClient[0] = SocketChannel.open(decoy[0].getLocalAddress());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            };
            assertThrows(ClosedChannelException.class, () -> b.add(l, Poller.READABLE, 5));
            s.kq().beforeChange = null;
            assertEquals(n, TestSupport.hostFdAccess().fdOf(decoy[0]), "the decoy got the listener's number");
            assertEquals(0, s.kq().knoteCount(n), "the knote made on the recycled number was deleted");
            assertEquals(0, b.poll(100), "no decoy readiness under the listener's token");
            b.add(decoy[0], Poller.READABLE, 9); // and the number is free for a real registration
            assertEquals(1, b.poll(2000));
            assertEquals(9, b.token(0));
        } finally {
            s.kq().beforeChange = null;
            l.close();
            if (decoyClient[0] != null) {
                decoyClient[0].close();
            }
            if (decoy[0] != null) {
                decoy[0].close();
            }
            b.close();
        }
    }
}
