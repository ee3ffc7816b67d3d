package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.ServerSockets;

/** DESIGN.md section 4 on Linux, and the option plumbing of ServerSockets. */
class DeferAcceptTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "set {0}")
    @ValueSource(ints = {1, 5, 8, 10, 30, 60})
    void readBackIsTheKernelsRoundedUpValue(int seconds) throws IOException {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, seconds);
            int back = ServerSockets.getOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT);
            // Linux stores a retransmission count and reports the seconds that schedule covers
            // (measured here: 5 -> 7, 8 -> 15, 30 -> 31, 60 -> 63): never less than asked, under twice.
            assertTrue(back >= seconds && back < 2 * seconds + 2, seconds + " read back as " + back);
        }
    }

    @Test
    void zeroDisables() throws IOException {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            assertEquals(0, ServerSockets.getOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT));
            ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, 5);
            ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, 0);
            assertEquals(0, ServerSockets.getOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT));
        }
    }

    @Test
    void negativeIsIllegalArgumentAndChangesNothing() throws IOException {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, -1));
            assertTrue(e.getMessage().contains("TCP_DEFER_ACCEPT"), e.getMessage());
            assertEquals(1, ServerSockets.getOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT));
        }
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void wrongTypeOrNullValueIsIllegalArgument() throws IOException {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            java.net.SocketOption raw = ServerSocketOptions.TCP_DEFER_ACCEPT;
            assertThrows(IllegalArgumentException.class, () -> ServerSockets.setOption(l, raw, "5"));
            assertThrows(IllegalArgumentException.class,
                    () -> ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, null));
        }
    }

    @Test
    void closedListenerIsClosedChannelException() throws IOException {
        ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir);
        l.close();
        assertThrows(ClosedChannelException.class,
                () -> ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, 1));
        assertThrows(ClosedChannelException.class,
                () -> ServerSockets.getOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT));
    }

    @Test
    void unboundListenerIsNotYetBoundInEveryFdAccessMode() throws IOException {
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            assertThrows(java.nio.channels.NotYetBoundException.class,
                    () -> ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, 1));
            assertThrows(java.nio.channels.NotYetBoundException.class,
                    () -> ServerSockets.getOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT));
            // standard options still go to the channel before bind, as with the JDK alone
            ServerSockets.setOption(l, StandardSocketOptions.SO_REUSEADDR, true);
            assertEquals(true, l.getOption(StandardSocketOptions.SO_REUSEADDR));
        }
    }

    @Test
    void supportedOptionsAreTheChannelsPlusDeferral() throws IOException {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            var all = ServerSockets.supportedOptions(l);
            assertTrue(all.contains(ServerSocketOptions.TCP_DEFER_ACCEPT));
            assertTrue(all.containsAll(l.supportedOptions()));
            assertEquals(l.supportedOptions().size() + 1, all.size());
            assertThrows(UnsupportedOperationException.class, () -> all.add(StandardSocketOptions.SO_LINGER));
        }
    }

    @Test
    void standardOptionsAreDelegatedToTheChannel() throws IOException {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            ServerSockets.setOption(l, StandardSocketOptions.SO_REUSEADDR, false);
            assertEquals(false, l.getOption(StandardSocketOptions.SO_REUSEADDR));
            ServerSockets.setOption(l, StandardSocketOptions.SO_REUSEADDR, true);
            assertEquals(true, ServerSockets.getOption(l, StandardSocketOptions.SO_REUSEADDR));
            assertEquals(l.getOption(StandardSocketOptions.SO_RCVBUF),
                    ServerSockets.getOption(l, StandardSocketOptions.SO_RCVBUF));
        }
    }

    @Test
    void connectionWithoutDataWaitsAndComesWithItsFirstBytes() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, 5);
            try (SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
                // connected from the client's side, but not acceptable while no data has come
                long end = System.nanoTime() + Duration.ofMillis(300).toNanos();
                while (System.nanoTime() < end) {
                    assertEquals(Optional.empty(), ServerSockets.tryAccept(l));
                    Thread.sleep(10);
                }
                client.write(ByteBuffer.wrap("GET /".getBytes()));
                Accepted a = TryAcceptContractTest.awaitAccept(l);
                try (a) {
                    assertEquals(client.getLocalAddress(), a.remoteAddress());
                    // the request is already there: the first read succeeds without waiting for readiness
                    assertEquals(5, TestSockets.read(a.fd(), 64));
                }
            }
        }
    }

    @Test
    void dualStackAndIpv6ListenersTakeTheOptionToo() throws IOException {
        try (ServerSocketChannel l = ServerSocketChannel.open().bind(new InetSocketAddress(0));
             ServerSocketChannel l6 = TestSockets.listener(StandardProtocolFamily.INET6, dir)) {
            ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, 1);
            ServerSockets.setOption(l6, ServerSocketOptions.TCP_DEFER_ACCEPT, 1);
            assertEquals(1, ServerSockets.getOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT));
            assertEquals(1, ServerSockets.getOption(l6, ServerSocketOptions.TCP_DEFER_ACCEPT));
        }
    }
}
