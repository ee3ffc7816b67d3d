package org.tryaccept.linux.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Collection;
import org.tryaccept.ServerSockets;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.LayoutSockaddrCodec;
import org.tryaccept.internal.LibcSyscalls;

/** Small socket helpers shared by the hardening tests; everything here works on loopback only. */
final class Net {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private Net() {
    }

    /** A bound, non-blocking listener on 127.0.0.1 with an ephemeral port. */
    static ServerSocketChannel listener(int backlog) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.bind(new InetSocketAddress(LOOPBACK, 0), backlog);
            ch.configureBlocking(false);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * A blocking connect to {@code to}; on loopback it completes as soon as the handshake lands in the
     * listener's backlog. SO_LINGER 0 makes the later close send RST, so closed test connections leave
     * no TIME_WAIT entries behind to exhaust ephemeral ports across thousands of cycles.
     */
    static SocketChannel connect(SocketAddress to) throws IOException {
        SocketChannel c = SocketChannel.open();
        try {
            c.setOption(StandardSocketOptions.SO_LINGER, 0);
            c.connect(to);
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    static int port(SocketAddress a) {
        return ((InetSocketAddress) a).getPort();
    }

    /** The local address of a raw fd, read natively (the accepted fd has no JDK channel around it). */
    static SocketAddress localAddressOf(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(128, 8);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 128);
            int r = org.tryaccept.linux.TestProviders.libc().getsockname(fd, sa, len);
            if (r < 0) {
                throw new IOException("getsockname(" + fd + ") failed: errno " + -r);
            }
            return org.tryaccept.linux.TestProviders.platform().codec().decode(sa, Math.min(len.get(ValueLayout.JAVA_INT, 0), 128));
        }
    }

    static void closeFd(int fd) throws IOException {
        ServerSockets.provider().close(fd);
    }

    /**
     * The fd access mode in use; the impl-linux suite runs once per mode, and surefire tells each run
     * which mode it expects, so a run that silently fell back to the other mode fails here.
     */
    static String fdAccessMode() {
        String mode = ((FfmProvider) ServerSockets.provider()).fdAccessMode();
        String expected = System.getProperty("tryaccept.test.expectedFdAccess");
        if (expected != null) {
            assertEquals(expected, mode, "fd access mode of this surefire execution");
        }
        return mode;
    }

    static void closeAll(Collection<? extends AutoCloseable> all) throws Exception {
        Exception first = null;
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        all.clear();
        if (first != null) {
            throw first;
        }
    }
}
