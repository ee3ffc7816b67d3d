package org.tryaccept.bsd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.util.Set;
import org.tryaccept.internal.AcceptEngine;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.SockaddrCodec;

import static org.tryaccept.bsd.Expected.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.Map;
import java.util.Optional;
import org.tryaccept.Accepted;
import org.tryaccept.internal.ErrnoTable;
import org.tryaccept.internal.FdAccess;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.LayoutSockaddrCodec;
import org.tryaccept.internal.LibcSyscalls;
import org.tryaccept.internal.Platform;
import org.tryaccept.spi.ServerSocketsProvider;

/** Linux-host helpers for running the BSD code paths here. */
final class TestSupport {
    /** The host's real calls, in Linux numbers. */
    static final LibcSyscalls LINUX_CALLS = new LibcSyscalls(new Platform.Poll(0x1, 8));

    private TestSupport() {
    }

    /** A provider's (or the engine's) accept result, decoded with the given codec: the SPI seen from a test. */
    static final class Peer {
        private final MemorySegment sa = Arena.ofAuto().allocate(SockaddrCodec.CAPACITY, 8);
        private final MemorySegment len = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
        private SockaddrCodec codec;
        private int fd = -1;

        boolean take(ServerSocketsProvider provider, ServerSocketChannel listener) throws IOException {
            codec = provider.sockaddrCodec();
            fd = provider.tryAccept(listener, sa, len);
            return fd >= 0;
        }

        boolean take(AcceptEngine engine, SockaddrCodec codec, ServerSocketChannel listener) throws IOException {
            this.codec = codec;
            fd = engine.tryAccept(listener, sa, len);
            return fd >= 0;
        }

        int fd() {
            return fd;
        }

        boolean hasConnection() {
            return fd >= 0;
        }

        SocketAddress remoteAddress() throws IOException {
            return codec.decode(sa, Math.min(len.get(ValueLayout.JAVA_INT, 0), SockaddrCodec.CAPACITY));
        }
    }

    static ErrnoTable linuxErrno() {
        Map<Errno, Integer> numbers = new java.util.EnumMap<>(Errno.class);
        for (Map.Entry<Integer, String> e : LINUX_ERRNO.entrySet()) {
            numbers.put(Errno.valueOf(e.getValue()), e.getKey());
        }
        return ErrnoTable.of("Linux (test)", numbers);
    }

    /** Linux numbers throughout, with the given accept flavour (-1: accept then fcntl, the macOS way). */
    static Platform linuxPlatform(int acceptFlags) {
        return new Platform("Linux (test)", linuxErrno(),
                new LayoutSockaddrCodec(false, LINUX_AF_UNIX, LINUX_AF_INET, LINUX_AF_INET6, 108),
                new Platform.Accept(acceptFlags, Set.of(Errno.ECONNABORTED)),
                new Platform.Fcntl(LINUX_F_DUPFD_CLOEXEC, LINUX_F_GETFL, LINUX_F_SETFL, LINUX_F_GETFD, LINUX_F_SETFD, 1,
                        LINUX_O_NONBLOCK),
                new Platform.Discovery(LINUX_SOL_SOCKET, LINUX_SO_ACCEPTCONN, LINUX_SO_TYPE, 1, IPPROTO_TCP,
                        LINUX_TCP_KEEPIDLE),
                new Platform.Poll(0x1, 8));
    }

    /** Flag-free fd discovery as it runs on this host (real Linux numbers, real syscalls). */
    static FdAccess hostFdAccess() {
        return FdAccess.of("discovery", linuxPlatform(LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC), LINUX_CALLS);
    }

    static ServerSocketChannel listener(InetAddress address) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress(address, 0));
        ch.configureBlocking(false);
        return ch;
    }

    /** @return true if the fd is open (F_GETFD succeeds) */
    static boolean isOpen(int fd) {
        return LINUX_CALLS.fcntl(fd, LINUX_F_GETFD, 0) >= 0;
    }

    static boolean isNonBlocking(int fd) {
        int fl = LINUX_CALLS.fcntl(fd, LINUX_F_GETFL, 0);
        if (fl < 0) {
            throw new AssertionError("F_GETFL failed: errno " + -fl);
        }
        return (fl & LINUX_O_NONBLOCK) != 0;
    }

    static boolean isCloseOnExec(int fd) {
        int fd1 = LINUX_CALLS.fcntl(fd, LINUX_F_GETFD, 0);
        if (fd1 < 0) {
            throw new AssertionError("F_GETFD failed: errno " + -fd1);
        }
        return (fd1 & 1) != 0;
    }

    /** Polls tryAccept for up to two seconds: the connection may not be queued yet. */
    static Optional<Accepted> acceptWithin(ServerSocketsProvider provider, ServerSocketChannel listener)
            throws IOException, InterruptedException {
        Peer buffer = new Peer();
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (buffer.take(provider, listener)) {
                return Optional.of(new Accepted(buffer.fd(), buffer.remoteAddress()));
            }
            Thread.sleep(2);
        }
        return Optional.empty();
    }
}
