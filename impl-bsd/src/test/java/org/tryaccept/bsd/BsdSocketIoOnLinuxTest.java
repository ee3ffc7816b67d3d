package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;
import static org.tryaccept.bsd.TestSupport.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tryaccept.ErrnoException;
import org.tryaccept.internal.FfmProvider;

/**
 * The providers' read/write/shutdownOutput over {@link BsdIoOnLinux} (BSD numbers checked, real Linux
 * calls): NIO's conventions on real loopback connections, FreeBSD's {@code MSG_NOSIGNAL}, macOS's
 * {@code SO_NOSIGPIPE} before every write, and BSD errno numbers for a reset peer.
 */
class BsdSocketIoOnLinuxTest {

    record Setup(String name, FfmProvider provider, BsdIoOnLinux io) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Setup> setups() {
        BsdIoOnLinux f = BsdIoOnLinux.freebsd();
        BsdIoOnLinux m = BsdIoOnLinux.macos();
        return List.of(
                new Setup("FreeBSD", new FreeBsdServerSocketsProvider(BsdKernelOnLinux.freebsd(), hostFdAccess(),
                        KqueueOnLinux.freebsd(), f), f),
                new Setup("macOS", new MacOsServerSocketsProvider(BsdKernelOnLinux.macos(), hostFdAccess(),
                        KqueueOnLinux.macos(), m), m));
    }

    @ParameterizedTest
    @MethodSource("setups")
    void readWriteShutdownWithNioConventions(Setup s) throws Exception {
        FfmProvider p = s.provider();
        MemorySegment buf = Arena.ofAuto().allocate(64, 8);
        try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress());
             SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
            int fd = acceptWithin(p, l).orElseThrow().fd();
            try {
                assertEquals(0, p.read(fd, buf), "nothing available: 0 (EAGAIN 35 on the BSDs)");
                client.write(ByteBuffer.wrap("hi".getBytes()));
                int n = 0;
                for (int i = 0; i < 200 && n == 0; i++) {
                    n = p.read(fd, buf);
                    Thread.sleep(5);
                }
                assertEquals(2, n);
                buf.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 'o');
                assertEquals(2, p.write(fd, buf.asSlice(0, 2)));
                ByteBuffer got = ByteBuffer.allocate(2);
                client.read(got);
                assertEquals('o', got.get(0));
                p.shutdownOutput(fd);
                assertEquals(-1, client.read(ByteBuffer.allocate(1)), "the peer sees end of stream");
                client.shutdownOutput();
                int eof = 0;
                for (int i = 0; i < 200 && eof == 0; i++) {
                    eof = p.read(fd, buf);
                    Thread.sleep(5);
                }
                assertEquals(-1, eof, "end of stream: -1");
            } finally {
                p.close(fd);
            }
        }
        if (s.name().equals("FreeBSD")) {
            assertTrue(s.io().calls.contains("send(0x20000)"), s.io().calls.toString());
            assertFalse(s.io().calls.stream().anyMatch(c -> c.startsWith("setsockopt")));
        } else {
            assertEquals(List.of("setsockopt(0xffff, 0x1022, 1)", "send(0x0)"),
                    s.io().calls.stream().filter(c -> c.startsWith("s") && !c.startsWith("shutdown")).toList());
        }
        assertTrue(s.io().calls.contains("shutdown(1)"));
    }

    @ParameterizedTest
    @MethodSource("setups")
    void writeToAResetPeerThrowsWithTheBsdErrno(Setup s) throws Exception {
        FfmProvider p = s.provider();
        MemorySegment buf = Arena.ofAuto().allocate(1024, 8);
        try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress())) {
            SocketChannel client = SocketChannel.open(l.getLocalAddress());
            int fd = acceptWithin(p, l).orElseThrow().fd();
            try {
                client.setOption(StandardSocketOptions.SO_LINGER, 0);
                client.close(); // RST
                Thread.sleep(50);
                ErrnoException e = assertThrows(ErrnoException.class, () -> {
                    for (int i = 0; i < 10; i++) {
                        p.write(fd, buf);
                    }
                });
                assertTrue(List.of("EPIPE", "ECONNRESET").contains(e.errnoName()), e.toString());
                assertTrue(e.errno() == 32 || e.errno() == 54, "BSD numbers: EPIPE 32, ECONNRESET 54, got " + e.errno());
            } finally {
                p.close(fd);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("setups")
    void shutdownOfAResetConnectionNamesTheBsdErrno(Setup s) throws Exception {
        FfmProvider p = s.provider();
        try (ServerSocketChannel l = listener(InetAddress.getLoopbackAddress())) {
            SocketChannel client = SocketChannel.open(l.getLocalAddress());
            int fd = acceptWithin(p, l).orElseThrow().fd();
            try {
                client.setOption(StandardSocketOptions.SO_LINGER, 0);
                client.close(); // RST: the connection is gone, the socket no longer connected
                Thread.sleep(50);
                ErrnoException e = assertThrows(ErrnoException.class, () -> p.shutdownOutput(fd));
                assertEquals("ENOTCONN", e.errnoName());
                assertEquals(57, e.errno(), "ENOTCONN is 57 on the BSDs");
                assertTrue(e.getMessage().contains("shutdown(SHUT_WR)"), e.getMessage());
            } finally {
                p.close(fd);
            }
        }
    }
}
