package org.tryaccept.conformance;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.tryaccept.spi.ServerSocketsProvider;
import org.tryaccept.spi.SockaddrCodec;

/**
 * Calls the provider under test through the SPI ({@code tryAccept} into native peer memory) and decodes
 * what it returned with the provider's own {@link SockaddrCodec}, copying it so the memory can be reused. Loopback
 * connections reach the accept queue a moment after the client's {@code connect} returns (the server
 * side runs in a softirq that may be deferred), so "must be accepted" waits a bounded time.
 *
 * @since 0.1
 */
public final class Acceptor {
    /** How long a connection that must be pending may take to show up. */
    public static final Duration SHOW_UP = Duration.ofSeconds(3);

    private final ServerSocketsProvider provider;
    private final MemorySegment peer;
    private final MemorySegment peerLength;

    public Acceptor(ServerSocketsProvider provider) {
        this.provider = provider;
        Arena arena = Arena.ofAuto();
        this.peer = arena.allocate(SockaddrCodec.CAPACITY, 8);
        this.peerLength = arena.allocate(ValueLayout.JAVA_INT);
    }

    /**
     * One call of the provider, nothing decoded: for the allocation check of the nothing-pending path.
     *
     * @return the fd, or -1 when nothing was pending
     */
    public int tryAcceptFd(ServerSocketChannel listener) throws IOException {
        return provider.tryAccept(listener, peer, peerLength);
    }

    /** A connection the provider returned; the test owns {@code fd} and closes it with {@link #close}. */
    public record Conn(int fd, SocketAddress remote, ProtocolFamily family, int port, byte[] rawAddress) {
    }

    /** @return the next connection, or null when the provider reported nothing pending */
    public Conn tryOnce(ServerSocketChannel listener) throws IOException {
        peerLength.set(ValueLayout.JAVA_INT, 0, -1);
        int fd = provider.tryAccept(listener, peer, peerLength);
        if (fd == -1) {
            return null;
        }
        if (fd < 0) {
            throw new AssertionError("tryAccept returned fd " + fd + "; the SPI allows an fd or -1");
        }
        try {
            SockaddrCodec codec = provider.sockaddrCodec();
            int n = Math.min(peerLength.get(ValueLayout.JAVA_INT, 0), SockaddrCodec.CAPACITY);
            if (n < 0) {
                throw new AssertionError("tryAccept returned fd " + fd + " but wrote no peer address length");
            }
            int rawLength = codec.addressLength(peer, n);
            if (rawLength < 0) {
                throw new AssertionError("tryAccept returned fd " + fd + " with a malformed peer address");
            }
            byte[] raw = new byte[rawLength];
            codec.copyAddress(peer, n, raw);
            return new Conn(fd, codec.decode(peer, n), codec.family(peer, n), codec.port(peer, n), raw);
        } catch (IOException | RuntimeException | Error e) {
            provider.close(fd);
            throw e;
        }
    }

    /** @return the next connection, waiting up to {@link #SHOW_UP}; null if none came */
    public Conn await(ServerSocketChannel listener) throws IOException {
        long deadline = System.nanoTime() + SHOW_UP.toNanos();
        while (true) {
            Conn c = tryOnce(listener);
            if (c != null || System.nanoTime() > deadline) {
                return c;
            }
            Thread.onSpinWait();
            sleepQuietly(1);
        }
    }

    /** Closes an fd the provider handed out. */
    public void close(Conn c) throws IOException {
        provider.close(c.fd());
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
