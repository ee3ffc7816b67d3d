package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;
import static org.tryaccept.bsd.TestSupport.*;

import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tryaccept.Accepted;
import org.tryaccept.ErrnoException;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.internal.FfmProvider;

/**
 * Both BSD providers, unchanged, accept real loopback connections through {@link BsdKernelOnLinux}:
 * their flags, fcntl commands, errno numbers and sockaddr layout are the BSD ones, translated to
 * Linux only at the syscall boundary.
 */
class ProvidersOnBsdKernelTest {

    private static void roundTrip(FfmProvider provider, BsdKernelOnLinux kernel, ServerSocketChannel listener)
            throws Exception {
        TestSupport.Peer buffer = new TestSupport.Peer();
        assertFalse(buffer.take(provider, listener), "nothing pending");
        try (SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
            Optional<Accepted> got = acceptWithin(provider, listener);
            assertTrue(got.isPresent(), "connection accepted");
            try (Accepted a = got.get()) {
                assertEquals(client.getLocalAddress(), a.remoteAddress());
                assertTrue(isNonBlocking(a.fd()), "O_NONBLOCK");
                assertTrue(isCloseOnExec(a.fd()), "FD_CLOEXEC");
            }
        }
        assertTrue(kernel.calls().stream().anyMatch(c -> c.startsWith("dupCloexec(")), "transient duplicate taken");
    }

    @Test
    void freebsdAcceptsIpv4AndIpv6WithAccept4() throws Exception {
        BsdKernelOnLinux kernel = BsdKernelOnLinux.freebsd();
        FfmProvider p = new FreeBsdServerSocketsProvider(kernel, hostFdAccess());
        for (InetAddress a : List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"))) {
            try (ServerSocketChannel l = listener(a)) {
                roundTrip(p, kernel, l);
            }
        }
        assertTrue(kernel.calls().contains("accept4(30000000)"), kernel.calls().toString());
        assertFalse(kernel.calls().contains("accept"));
        assertTrue(kernel.calls().stream().noneMatch(c -> c.startsWith("fcntl(")), "accept4 needs no fcntl");
        assertTrue(kernel.calls().contains("dupCloexec(17)"));
    }

    @Test
    void macosAcceptsIpv4AndIpv6WithAcceptThenFcntl() throws Exception {
        BsdKernelOnLinux kernel = BsdKernelOnLinux.macos();
        FfmProvider p = new MacOsServerSocketsProvider(kernel, hostFdAccess());
        for (InetAddress a : List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"))) {
            try (ServerSocketChannel l = listener(a)) {
                roundTrip(p, kernel, l);
            }
        }
        List<String> calls = kernel.calls();
        int accept = calls.indexOf("accept");
        assertTrue(accept >= 0, calls.toString());
        assertEquals(List.of("fcntl(4,4)", "fcntl(2,1)"), calls.subList(accept + 1, accept + 3),
                "F_SETFL O_NONBLOCK then F_SETFD FD_CLOEXEC, BSD numbers");
        assertTrue(calls.contains("dupCloexec(67)"));
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("accept4")));
    }

    @Test
    void unixDomainPeersDecodeInTheBsdLayout(@TempDir Path dir) throws Exception {
        for (BsdKernelOnLinux kernel : List.of(BsdKernelOnLinux.freebsd(), BsdKernelOnLinux.macos())) {
            FfmProvider p = kernelIsFreebsd(kernel) ? new FreeBsdServerSocketsProvider(kernel, hostFdAccess())
                    : new MacOsServerSocketsProvider(kernel, hostFdAccess());
            Path path = dir.resolve(p.name() + ".sock");
            try (ServerSocketChannel l = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                l.bind(UnixDomainSocketAddress.of(path));
                l.configureBlocking(false);
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                    Optional<Accepted> got = acceptWithin(p, l);
                    assertTrue(got.isPresent());
                    try (Accepted a = got.get()) {
                        // An unbound client is unnamed: the JDK reports it as the empty path.
                        assertEquals(UnixDomainSocketAddress.of(""), a.remoteAddress());
                    }
                }
                Files.deleteIfExists(path);
            }
        }
    }

    private static boolean kernelIsFreebsd(BsdKernelOnLinux k) {
        return k.errno("EOPNOTSUPP") == 45;
    }

    @Test
    void bsdErrnoNumbersDriveTheContract() throws Exception {
        for (BsdKernelOnLinux kernel : List.of(BsdKernelOnLinux.freebsd(), BsdKernelOnLinux.macos())) {
            FfmProvider p = kernelIsFreebsd(kernel) ? new FreeBsdServerSocketsProvider(kernel, hostFdAccess())
                    : new MacOsServerSocketsProvider(kernel, hostFdAccess());
            String call = kernelIsFreebsd(kernel) ? "accept4" : "accept";
            try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
                    SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
                TestSupport.Peer buffer = new TestSupport.Peer();
                // Wait until the connection is queued, so poll reports it and accept runs.
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (TestSupport.LINUX_CALLS.poll(hostFdAccess().fdOf(l), 1) == 0
                        && System.nanoTime() < deadline) {
                    Thread.sleep(2);
                }
                // EAGAIN is 35 on the BSDs: another thread took the connection; empty, no exception.
                kernel.acceptFault = () -> -11;
                assertFalse(buffer.take(p, l), p.name() + ": EAGAIN(35) means nothing pending");
                // EMFILE: a typed error naming the call; the connection stays queued.
                kernel.acceptFault = () -> -24;
                ErrnoException e = assertThrows(ErrnoException.class, () -> buffer.take(p, l));
                assertEquals(call, e.call());
                assertEquals("EMFILE", e.errnoName());
                assertEquals(24, e.errno());
                assertTrue(e.getMessage().startsWith(call + ": EMFILE"), e.getMessage());
                // ECONNABORTED (53): that connection is gone, the next one is taken.
                kernel.acceptFault = () -> -103;
                assertTrue(buffer.take(p, l), p.name() + ": ECONNABORTED(53) skipped");
                new Accepted(buffer.fd(), buffer.remoteAddress()).close();
            }
        }
    }

    @Test
    void macosOffersNoDeferAccept() throws Exception {
        MacOsServerSocketsProvider p = new MacOsServerSocketsProvider(BsdKernelOnLinux.macos(), hostFdAccess());
        assertTrue(p.supportedOptions().isEmpty());
        try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress())) {
            UnsupportedOperationException set = assertThrows(UnsupportedOperationException.class,
                    () -> p.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, 1));
            assertTrue(set.getMessage().contains("macOS"), set.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> p.getOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT));
        }
    }

    @Test
    void macosClosesTheNewFdWhenEitherFcntlFails() throws Exception {
        for (int failing = 1; failing <= 2; failing++) {
            BsdKernelOnLinux kernel = BsdKernelOnLinux.macos();
            MacOsServerSocketsProvider p = new MacOsServerSocketsProvider(kernel, hostFdAccess());
            kernel.fcntlFaultAt = failing;
            kernel.fcntlFaultErrno = "EOPNOTSUPP"; // 102 on macOS, not 45
            try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
                    SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
                TestSupport.Peer buffer = new TestSupport.Peer();
                ErrnoException e = null;
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (e == null && System.nanoTime() < deadline) {
                    try {
                        assertFalse(buffer.take(p, l), "the fcntl fault must fire");
                        Thread.sleep(2);
                    } catch (ErrnoException thrown) {
                        e = thrown;
                    }
                }
                assertNotNull(e, "fcntl failure surfaced");
                assertEquals(failing == 1 ? "fcntl(F_SETFL, O_NONBLOCK)" : "fcntl(F_SETFD, FD_CLOEXEC)", e.call());
                assertEquals(102, e.errno());
                assertEquals("EOPNOTSUPP", e.errnoName());
                assertFalse(isOpen(kernel.lastAccepted), "the accepted fd was closed");
            }
        }
    }
}
