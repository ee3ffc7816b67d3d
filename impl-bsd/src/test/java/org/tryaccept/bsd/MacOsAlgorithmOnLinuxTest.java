package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;
import static org.tryaccept.bsd.TestSupport.*;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tryaccept.ErrnoException;
import org.tryaccept.internal.AcceptEngine;
import org.tryaccept.internal.ListenerFds;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.internal.ForwardingSyscalls;
import org.tryaccept.internal.LibcSyscalls;
import org.tryaccept.internal.Platform;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.conformance.FdChecks;

/**
 * The macOS accept path (accept, then fcntl F_SETFL O_NONBLOCK and F_SETFD FD_CLOEXEC) run for real on
 * this Linux box: the shared engine with Linux numbers but {@code acceptFlags = -1}, and a syscall
 * layer that can make the first or the second fcntl after accept fail.
 */
class MacOsAlgorithmOnLinuxTest {
    private static final int EINVAL = 22;

    /** Real syscalls; records accepts and fcntls, and fails the n-th fcntl after an accept. */
    static final class FcntlFault extends ForwardingSyscalls {
        final List<String> calls = new ArrayList<>();
        int failAt;
        int sinceAccept;
        int accepted = -1;

        FcntlFault() {
            super(TestSupport.LINUX_CALLS);
        }



        @Override
        public int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
            calls.add("accept4");
            return real.accept4(fd, addr, addrlen, flags);
        }

        @Override
        public int accept(int fd, MemorySegment addr, MemorySegment addrlen) {
            int r = real.accept(fd, addr, addrlen);
            calls.add("accept");
            if (r >= 0) {
                accepted = r;
                sinceAccept = 0;
                // Linux's accept does not pass O_NONBLOCK on: whatever the fd ends up with, fcntl set it.
                assertFalse(isNonBlocking(r), "plain accept on Linux gives a blocking fd");
                assertFalse(isCloseOnExec(r), "plain accept gives an inheritable fd");
            }
            return r;
        }

        @Override
        public int fcntl(int fd, int cmd, int arg) {
            calls.add("fcntl(" + cmd + "," + Integer.toHexString(arg) + ")");
            if (fd == accepted && ++sinceAccept == failAt) {
                return -EINVAL;
            }
            return real.fcntl(fd, cmd, arg);
        }

        @Override
        public int close(int fd) {
            if (fd == accepted) {
                calls.add("close(accepted)");
            }
            return real.close(fd);
        }





    }

    private static final Platform ACCEPT_THEN_FCNTL = linuxPlatform(-1);

    /** Waits until the listener's queue holds the connection, so one tryAccept reaches accept. */
    private static AcceptEngine engine(Syscalls sys) {
        return new AcceptEngine(ACCEPT_THEN_FCNTL, sys, new ListenerFds(hostFdAccess(), sys, ACCEPT_THEN_FCNTL), null);
    }

    private static void awaitPending(AcceptEngine engine, ServerSocketChannel l) throws Exception {
        int n = hostFdAccess().fdOf(l);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (TestSupport.LINUX_CALLS.poll(n, 1) == 0) {
            assertTrue(System.nanoTime() < deadline, "connection never queued");
            Thread.sleep(2);
        }
    }

    @Test
    void successYieldsNonBlockingCloseOnExecFds() throws Exception {
        FcntlFault sys = new FcntlFault();
        AcceptEngine engine = engine(sys);
        assertEquals("accept", ACCEPT_THEN_FCNTL.accept().call());
        try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
                SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
            awaitPending(engine, l);
            TestSupport.Peer buffer = new TestSupport.Peer();
            assertTrue(buffer.take(engine, ACCEPT_THEN_FCNTL.codec(), l));
            int fd = buffer.fd();
            try {
                assertTrue(isNonBlocking(fd), "O_NONBLOCK set by fcntl");
                assertTrue(isCloseOnExec(fd), "FD_CLOEXEC set by fcntl");
                assertEquals(client.getLocalAddress(), buffer.remoteAddress());
                assertEquals(List.of("accept", "fcntl(4,800)", "fcntl(2,1)"), sys.calls);
            } finally {
                engine.close(fd);
            }
        }
    }

    @Test
    void eitherFcntlFailingClosesTheNewFdAndNamesTheCall() throws Exception {
        for (int failAt = 1; failAt <= 2; failAt++) {
            FcntlFault sys = new FcntlFault();
            sys.failAt = failAt;
            AcceptEngine engine = engine(sys);
            try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
                    SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
                awaitPending(engine, l);
                TestSupport.Peer buffer = new TestSupport.Peer();
                long before = FdChecks.openFdCount();
                ErrnoException e = assertThrows(ErrnoException.class, () -> buffer.take(engine, ACCEPT_THEN_FCNTL.codec(), l));
                long after = FdChecks.openFdCount();
                assertEquals(before, after, "no fd leaked (failing fcntl #" + failAt + ")");
                assertFalse(buffer.hasConnection());
                assertEquals(failAt == 1 ? "fcntl(F_SETFL, O_NONBLOCK)" : "fcntl(F_SETFD, FD_CLOEXEC)", e.call());
                assertEquals(EINVAL, e.errno());
                assertEquals("EINVAL", e.errnoName());
                assertTrue(e.getMessage().startsWith(e.call() + ": EINVAL"), e.getMessage());
                assertTrue(sys.calls.contains("close(accepted)"), sys.calls.toString());
                assertFalse(isOpen(sys.accepted), "the accepted fd is closed");
                // The peer sees the connection end; the listener keeps working for the next one.
                client.configureBlocking(true);
                client.socket().setSoTimeout(2000);
                assertEquals(-1, client.socket().getInputStream().read(), "peer sees EOF");
                sys.failAt = 0;
                try (SocketChannel second = SocketChannel.open(l.getLocalAddress())) {
                    awaitPending(engine, l);
                    assertTrue(buffer.take(engine, ACCEPT_THEN_FCNTL.codec(), l));
                    assertEquals(second.getLocalAddress(), buffer.remoteAddress());
                    engine.close(buffer.fd());
                }
            }
        }
    }
}
