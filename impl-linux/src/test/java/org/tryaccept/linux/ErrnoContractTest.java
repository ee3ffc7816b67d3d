package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tryaccept.ErrnoException;
import org.tryaccept.conformance.FdChecks;

/**
 * The errno rows of DESIGN.md section 3, injected below the provider with {@link ScriptedSyscalls}:
 * the kernel will not produce EINTR, ECONNABORTED or EMFILE on demand, but the provider must react
 * to them exactly where the kernel would report them.
 */
class ErrnoContractTest {
    @TempDir
    Path dir;

    private ScriptedSyscalls sys;
    private LinuxServerSocketsProvider provider;

    @BeforeEach
    void setUp() {
        sys = new ScriptedSyscalls();
        provider = new LinuxServerSocketsProvider(sys, null);
    }

    /** A listener with one client whose connection the kernel has queued. */
    private record Pending(ServerSocketChannel l, SocketChannel c) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try (l) {
                c.close();
            }
        }
    }

    private Pending pending() throws Exception {
        ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir);
        Pending p = new Pending(l, SocketChannel.open(l.getLocalAddress()));
        awaitPending(l);
        return p;
    }

    private boolean awaitPending(ServerSocketChannel l) throws InterruptedException {
        // poll is real: wait until the kernel has the connection queued, so accept4 will be reached
        TestSockets.await(Duration.ofSeconds(5),
                () -> TestProviders.libc().poll(fdOf(l), LinuxConstants.POLLIN) > 0, "pending");
        return true;
    }

    private int fdOf(ServerSocketChannel l) {
        try {
            return TestProviders.fdOf(l);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void eintrIsRetried() throws Exception {
        try (Pending p = pending()) {
            ServerSocketChannel l = p.l();
            SocketChannel c = p.c();
            sys.accept4Results.add(-LinuxConstants.EINTR);
            sys.accept4Results.add(-LinuxConstants.EINTR);
            TestProviders.Peer buf = new TestProviders.Peer();
            assertTrue(buf.take(provider, l));
            assertEquals(c.getLocalAddress(), buf.remoteAddress());
            assertEquals(3, sys.acceptCalls, "two interrupted calls, then the real one");
            provider.close(buf.fd());
        }
    }

    @ParameterizedTest(name = "errno {0}")
    @ValueSource(strings = {"ECONNABORTED", "ENETDOWN", "EPROTO", "ENOPROTOOPT", "EHOSTDOWN", "ENONET",
        "EHOSTUNREACH", "EOPNOTSUPP", "ENETUNREACH"})
    void connectionGoneIsSkippedAndTheNextOneReturned(String name) throws Exception {
        int errno = LinuxConstants.ERRNO.number(org.tryaccept.spi.Errno.valueOf(name));
        try (Pending p = pending()) {
            ServerSocketChannel l = p.l();
            SocketChannel c = p.c();
            sys.accept4Results.add(-errno);
            TestProviders.Peer buf = new TestProviders.Peer();
            assertTrue(buf.take(provider, l), "the next connection is taken");
            assertEquals(c.getLocalAddress(), buf.remoteAddress());
            provider.close(buf.fd());
        }
    }

    @Test
    void connectionGoneWithNothingBehindItIsEmpty() throws Exception {
        try (Pending p = pending()) {
            ServerSocketChannel l = p.l();
            SocketChannel c = p.c();
            sys.accept4Results.add(-LinuxConstants.ECONNABORTED);
            sys.accept4Results.add(-LinuxConstants.EAGAIN);
            assertFalse(new TestProviders.Peer().take(provider, l));
        }
    }

    @Test
    void eagainAfterReadinessIsEmptyNotAnError() throws Exception {
        // another thread took the connection between poll and accept4
        try (Pending p = pending()) {
            ServerSocketChannel l = p.l();
            SocketChannel c = p.c();
            sys.accept4Results.add(-LinuxConstants.EAGAIN);
            TestProviders.Peer buf = new TestProviders.Peer();
            assertFalse(buf.take(provider, l));
            assertTrue(buf.take(provider, l), "the connection is still queued");
            provider.close(buf.fd());
        }
    }

    @ParameterizedTest(name = "errno {0}")
    @ValueSource(strings = {"EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "EPERM", "EINVAL"})
    void otherErrnosAreTypedAndTheListenerKeepsItsQueue(String name) throws Exception {
        int errno = LinuxConstants.ERRNO.number(org.tryaccept.spi.Errno.valueOf(name));
        try (Pending p = pending()) {
            ServerSocketChannel l = p.l();
            SocketChannel c = p.c();
            long fdsBefore = FdChecks.openFdCount();
            sys.accept4Results.add(-errno);
            ErrnoException e = assertThrows(ErrnoException.class, () -> new TestProviders.Peer().take(provider, l));
            assertTrue(e instanceof SocketException);
            assertEquals(errno, e.errno());
            assertEquals(name, e.errnoName());
            assertEquals("accept4", e.call());
            assertTrue(e.getMessage().startsWith("accept4: " + name + " ("), e.getMessage());
            assertEquals(fdsBefore, FdChecks.openFdCount(), "the duplicate was closed");
            TestProviders.Peer buf = new TestProviders.Peer();
            assertTrue(buf.take(provider, l), "the pending connection stayed queued");
            assertEquals(c.getLocalAddress(), buf.remoteAddress());
            provider.close(buf.fd());
        }
    }

    @Test
    void emfileMessageReadsLikeTheManPage() throws Exception {
        try (Pending p = pending()) {
            ServerSocketChannel l = p.l();
            SocketChannel c = p.c();
            sys.accept4Results.add(-LinuxConstants.EMFILE);
            ErrnoException e = assertThrows(ErrnoException.class, () -> new TestProviders.Peer().take(provider, l));
            assertEquals("accept4: EMFILE (Too many open files)", e.getMessage());
        }
    }

    @Test
    void failingDuplicateIsTypedAndLeavesTheQueue() throws Exception {
        try (Pending p = pending()) {
            ServerSocketChannel l = p.l();
            SocketChannel c = p.c();
            sys.dupResults.add(-LinuxConstants.EMFILE);
            ErrnoException e = assertThrows(ErrnoException.class, () -> new TestProviders.Peer().take(provider, l));
            assertEquals("EMFILE", e.errnoName());
            assertTrue(e.call().startsWith("fcntl"), e.call());
            TestProviders.Peer buf = new TestProviders.Peer();
            assertTrue(buf.take(provider, l));
            provider.close(buf.fd());
        }
    }

    @Test
    void newFdIsClosedWhenAnythingAfterAcceptFails() throws Exception {
        try (Pending p = pending()) {
            ServerSocketChannel l = p.l();
            SocketChannel c = p.c();
            long fdsBefore = FdChecks.openFdCount();
            sys.corruptNextAddress = true; // the peer address can no longer be decoded
            SocketException e = assertThrows(SocketException.class, () -> new TestProviders.Peer().take(provider, l));
            assertTrue(e.getMessage().contains("unknown family"), e.getMessage());
            assertEquals(fdsBefore, FdChecks.openFdCount(), "no fd leaked");
            // the server side was closed, so the client sees end-of-stream
            c.configureBlocking(true);
            c.socket().setSoTimeout(5_000);
            assertEquals(-1, c.socket().getInputStream().read());
        }
    }

    @Test
    void manyPendingAreDrainedExactlyThenEmpty() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            List<SocketChannel> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    clients.add(SocketChannel.open(l.getLocalAddress()));
                }
                TestProviders.Peer buf = new TestProviders.Peer();
                int n = 0;
                long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (n < 20 && System.nanoTime() < end) {
                    if (buf.take(provider, l)) {
                        n++;
                        provider.close(buf.fd());
                    }
                }
                assertEquals(20, n);
                assertFalse(buf.take(provider, l));
                for (SocketChannel c : clients) {
                    c.write(ByteBuffer.allocate(1)); // still connected from the client's point of view
                }
            } finally {
                for (SocketChannel c : clients) {
                    c.close();
                }
            }
        }
    }
}
