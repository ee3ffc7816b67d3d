package org.tryaccept;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * A connection taken from a listener by {@link ServerSockets#tryAccept(java.nio.channels.ServerSocketChannel)}.
 *
 * <p>{@code fd} is a new, connected socket, already non-blocking ({@code O_NONBLOCK}) and
 * close-on-exec ({@code FD_CLOEXEC}). The caller owns it: register it with an event loop, hand it to
 * native code, and close it exactly once, for example with {@link #close()}. {@code remoteAddress} is
 * the peer as the JDK's own {@code accept()} would report it (an {@link java.net.InetSocketAddress},
 * IPv4-mapped IPv6 peers folded to IPv4, or a {@link java.net.UnixDomainSocketAddress}).
 *
 * <pre>{@code
 * try (Accepted c = ServerSockets.tryAccept(listener).orElseThrow()) {
 *     System.out.println("fd " + c.fd() + " from " + c.remoteAddress());
 * }
 * }</pre>
 *
 * @param fd            the accepted socket's file descriptor, owned by the caller
 * @param remoteAddress the peer address, taken from the accept call itself
 *
 * @since 0.1
 */
public record Accepted(int fd, SocketAddress remoteAddress) implements AutoCloseable {

    /**
     * @throws IllegalArgumentException if {@code fd} is negative
     * @throws NullPointerException     if {@code remoteAddress} is null
     */
    public Accepted {
        if (fd < 0) {
            throw new IllegalArgumentException("fd must be >= 0, got " + fd);
        }
        Objects.requireNonNull(remoteAddress, "remoteAddress");
    }

    /**
     * Closes {@link #fd()}. Like {@code close(2)}, call it once: a second call may close whatever
     * file the number has been reused for in the meantime.
     *
     * @throws IOException if {@code close(2)} fails (the fd is released all the same on Linux)
     */
    @Override
    public void close() throws IOException {
        ServerSockets.provider().close(fd);
    }
}
