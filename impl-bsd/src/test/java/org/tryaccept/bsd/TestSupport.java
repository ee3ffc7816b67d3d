package org.tryaccept.bsd;

import static org.tryaccept.bsd.Expected.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.Map;
import java.util.Optional;
import org.tryaccept.Accepted;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.internal.ErrnoTable;
import org.tryaccept.internal.FdAccess;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.LayoutSockaddrCodec;
import org.tryaccept.internal.LibcSyscalls;
import org.tryaccept.internal.Platform;
import org.tryaccept.spi.ServerSocketsProvider;

/** Linux-host helpers for running the BSD code paths here. */
final class TestSupport {
    private TestSupport() {
    }

    static ErrnoTable linuxErrno() {
        Object[] entries = new Object[LINUX_ERRNO.size() * 3];
        int i = 0;
        for (Map.Entry<Integer, String> e : LINUX_ERRNO.entrySet()) {
            entries[i++] = e.getKey();
            entries[i++] = e.getValue();
            entries[i++] = e.getValue().toLowerCase();
        }
        return ErrnoTable.of("Linux (test)", entries);
    }

    /** Linux numbers throughout, with the given accept flavour (-1: accept then fcntl, the macOS way). */
    static Platform linuxPlatform(int acceptFlags) {
        return new Platform("Linux (test)", linuxErrno(),
                new LayoutSockaddrCodec(false, LINUX_AF_UNIX, LINUX_AF_INET, LINUX_AF_INET6, 108),
                acceptFlags, new int[] {103},
                LINUX_F_DUPFD_CLOEXEC, LINUX_F_GETFL, LINUX_F_SETFL, LINUX_F_GETFD, LINUX_F_SETFD, 1, LINUX_O_NONBLOCK,
                LINUX_SOL_SOCKET, LINUX_SO_ACCEPTCONN, LINUX_SO_TYPE, 1, IPPROTO_TCP, LINUX_TCP_KEEPIDLE, 0x1);
    }

    /** Flag-free fd discovery as it runs on this host (real Linux numbers, real syscalls). */
    static FdAccess hostFdAccess() {
        return FfmProvider.fdAccess("discovery", linuxPlatform(LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC),
                LibcSyscalls.INSTANCE);
    }

    static ServerSocketChannel listener(InetAddress address) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress(address, 0));
        ch.configureBlocking(false);
        return ch;
    }

    /** @return true if the fd is open (F_GETFD succeeds) */
    static boolean isOpen(int fd) {
        return LibcSyscalls.INSTANCE.fcntl(fd, LINUX_F_GETFD, 0) >= 0;
    }

    static boolean isNonBlocking(int fd) {
        int fl = LibcSyscalls.INSTANCE.fcntl(fd, LINUX_F_GETFL, 0);
        if (fl < 0) {
            throw new AssertionError("F_GETFL failed: errno " + -fl);
        }
        return (fl & LINUX_O_NONBLOCK) != 0;
    }

    static boolean isCloseOnExec(int fd) {
        int fd1 = LibcSyscalls.INSTANCE.fcntl(fd, LINUX_F_GETFD, 0);
        if (fd1 < 0) {
            throw new AssertionError("F_GETFD failed: errno " + -fd1);
        }
        return (fd1 & 1) != 0;
    }

    /** Polls tryAccept for up to two seconds: the connection may not be queued yet. */
    static Optional<Accepted> acceptWithin(ServerSocketsProvider provider, ServerSocketChannel listener)
            throws IOException, InterruptedException {
        AcceptBuffer buffer = new AcceptBuffer();
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (provider.tryAccept(listener, buffer)) {
                return Optional.of(new Accepted(buffer.fd(), buffer.remoteAddress()));
            }
            Thread.sleep(2);
        }
        return Optional.empty();
    }
}
