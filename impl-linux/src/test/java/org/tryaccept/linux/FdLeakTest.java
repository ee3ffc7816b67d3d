package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;
import org.tryaccept.conformance.FdChecks;

/** No fd leaks over 1,000 accept/close cycles, counted in /proc/self/fd. */
class FdLeakTest {
    private static final int CYCLES = 1_000;

    @TempDir
    Path dir;

    @Test
    void optionalPath() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            warmUp(l);
            long before = FdChecks.openFdCount();
            for (int i = 0; i < CYCLES; i++) {
                try (SocketChannel c = SocketChannel.open(l.getLocalAddress())) {
                    Accepted a = TryAcceptContractTest.awaitAccept(l);
                    assertTrue(TestSockets.isOpenFd(a.fd()));
                    a.close();
                }
                ServerSockets.tryAccept(l); // and a nothing-pending call each round
            }
            assertEquals(before, FdChecks.openFdCount());
        }
    }

    @Test
    void acceptBufferPath() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.UNIX, dir)) {
            warmUp(l);
            AcceptBuffer buf = new AcceptBuffer();
            long before = FdChecks.openFdCount();
            for (int i = 0; i < CYCLES; i++) {
                try (SocketChannel c = SocketChannel.open(l.getLocalAddress())) {
                    while (!ServerSockets.tryAccept(l, buf)) {
                        Thread.onSpinWait();
                    }
                    ServerSockets.provider().close(buf.fd());
                }
                ServerSockets.tryAccept(l, buf);
            }
            assertEquals(before, FdChecks.openFdCount());
        }
    }

    private static void warmUp(ServerSocketChannel l) throws Exception {
        // first use may open fds that stay (fd lookup, class loading): count after it
        try (SocketChannel c = SocketChannel.open(l.getLocalAddress())) {
            TryAcceptContractTest.awaitAccept(l).close();
        }
    }
}
