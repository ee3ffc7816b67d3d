package org.tryaccept.conformance;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * Calls the provider under test and copies what it returned, so the buffer can be reused. Loopback
 * connections reach the accept queue a moment after the client's {@code connect} returns (the server
 * side runs in a softirq that may be deferred), so "must be accepted" waits a bounded time.
 */
public final class Acceptor {
    /** How long a connection that must be pending may take to show up. */
    public static final Duration SHOW_UP = Duration.ofSeconds(3);

    private final ServerSocketsProvider provider;
    private final AcceptBuffer buffer = new AcceptBuffer();

    public Acceptor(ServerSocketsProvider provider) {
        this.provider = provider;
    }

    /** A connection the provider returned; the test owns {@code fd} and closes it with {@link #close}. */
    public record Conn(int fd, SocketAddress remote, ProtocolFamily family, int port, byte[] rawAddress) {
    }

    /** @return the next connection, or null when the provider reported nothing pending */
    public Conn tryOnce(ServerSocketChannel listener) throws IOException {
        if (!provider.tryAccept(listener, buffer)) {
            if (buffer.hasConnection()) {
                throw new AssertionError("tryAccept returned false but left a connection in the buffer");
            }
            return null;
        }
        if (buffer.fd() < 0) {
            throw new AssertionError("tryAccept returned true with fd " + buffer.fd());
        }
        byte[] raw = new byte[buffer.addressLength()];
        buffer.copyAddress(raw);
        Conn c = new Conn(buffer.fd(), buffer.remoteAddress(), buffer.family(), buffer.port(), raw);
        buffer.clear();
        return c;
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
