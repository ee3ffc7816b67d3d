package org.tryaccept;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tryaccept.spi.ServerSocketsProvider;
import org.tryaccept.spi.SockaddrCodec;

/**
 * {@link AcceptBuffer} serves one thread at a time. Deterministic: a provider stub holds thread A inside
 * its accept while the test thread uses the same buffer, which must fail with IllegalStateException;
 * A's connection must then come out intact, and the buffer is free again.
 */
class AcceptBufferOwnershipTest {

    /** Writes a fixed 4-byte "address" and returns fd 42 once released. */
    private static final class HeldProvider extends ServerSocketsProvider {
        final CountDownLatch inAccept = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public int tryAccept(ServerSocketChannel listener, MemorySegment peer, MemorySegment peerLength) {
            inAccept.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            peer.set(ValueLayout.JAVA_INT, 0, 0x01020304);
            peerLength.set(ValueLayout.JAVA_INT, 0, 4);
            return 42;
        }

        @Override
        public SockaddrCodec sockaddrCodec() {
            return new FixedCodec();
        }

        @Override public boolean isSupported() { return true; }
        @Override public String name() { return "held"; }
        @Override public Set<SocketOption<?>> supportedOptions() { return Set.of(); }
        @Override public <T> void setOption(ServerSocketChannel l, SocketOption<T> o, T v) { throw new UnsupportedOperationException(); }
        @Override public <T> T getOption(ServerSocketChannel l, SocketOption<T> o) { throw new UnsupportedOperationException(); }
        @Override public void close(int fd) { }
    }

    /** An "address" that is its four bytes as an IPv4 address, port 7. */
    private static final class FixedCodec implements SockaddrCodec {
        @Override public ProtocolFamily family(MemorySegment sa, int length) { return length == 4 ? StandardProtocolFamily.INET : null; }
        @Override public int port(MemorySegment sa, int length) { return 7; }
        @Override public int addressLength(MemorySegment sa, int length) { return 4; }
        @Override public int copyAddress(MemorySegment sa, int length, byte[] dst) {
            MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, 0, dst, 0, 4);
            return 4;
        }
        @Override public int scopeId(MemorySegment sa, int length) { return 0; }
        @Override public SocketAddress decode(MemorySegment sa, int length) {
            return new InetSocketAddress("127.0.0.1", 7);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void secondThreadIsRefusedWhileTheFirstIsInsideAccept() throws Exception {
        HeldProvider provider = new HeldProvider();
        AcceptBuffer shared = new AcceptBuffer();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (ServerSocketChannel l = ServerSocketChannel.open()) {
            Future<Boolean> a = pool.submit(() -> shared.acceptFrom(provider, l));
            assertTrue(provider.inAccept.await(10, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> shared.acceptFrom(provider, l));
            assertTrue(e.getMessage().contains("another thread"), e.getMessage());
            provider.release.countDown();
            assertTrue(a.get(10, TimeUnit.SECONDS));
            assertEquals(42, shared.fd());
            assertEquals(7, shared.port());
            byte[] raw = new byte[4];
            assertEquals(4, shared.copyAddress(raw));
            // Released: this thread may use the buffer now.
            assertTrue(shared.acceptFrom(provider, l));
            shared.clear();
            assertFalse(shared.hasConnection());
        } finally {
            pool.shutdownNow();
        }
    }
}
