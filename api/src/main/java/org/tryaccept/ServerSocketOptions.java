package org.tryaccept;

import java.net.SocketOption;

/**
 * Socket options that tryaccept implements itself, set and read with
 * {@link ServerSockets#setOption} and {@link ServerSockets#getOption}.
 *
 * <pre>{@code
 * ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 8080));
 * if (ServerSockets.supportedOptions(listener).contains(ServerSocketOptions.TCP_DEFER_ACCEPT)) {
 *     ServerSockets.setOption(listener, ServerSocketOptions.TCP_DEFER_ACCEPT, 5);
 * }
 * }</pre>
 *
 * @since 0.1
 */
public final class ServerSocketOptions {
    private ServerSocketOptions() {
    }

    /**
     * Defer accept until the client has sent data, for at most the given number of seconds.
     *
     * <p>Per OS:
     * <ul>
     * <li><b>Linux</b>: {@code setsockopt(IPPROTO_TCP, TCP_DEFER_ACCEPT, n)}; 0 disables; a negative
     * value is an {@link IllegalArgumentException}. Reading it back gives the kernel's value, which is
     * rounded up to the SYN-ACK retransmission schedule (set 5, read 7; set 10, read 15).</li>
     * <li><b>FreeBSD</b>: n &gt; 0 installs the {@code dataready} accept filter ({@code SO_ACCEPTFILTER};
     * the timeout itself is not configurable), 0 removes it; reading gives 1 or 0. The
     * {@code accf_data} kernel module must be loaded.</li>
     * <li><b>macOS and others</b>: unsupported ({@link UnsupportedOperationException}); the option is
     * absent from {@link ServerSockets#supportedOptions}.</li>
     * </ul>
     *
     * <p>What the kernel really does (Linux): after the timeout a client that is still alive is
     * accepted without data, not dropped; connections admitted through SYN cookies are not deferred;
     * a deferred connection can still read {@code EAGAIN} once accepted; closing the listener drops the
     * connections still being deferred. Servers that set it should read an accepted socket at once,
     * rather than wait for a readiness event first, and fall back to readiness on {@code EAGAIN}.
     */
    public static final SocketOption<Integer> TCP_DEFER_ACCEPT = new LibraryOption<>("TCP_DEFER_ACCEPT", Integer.class);

    /** Marks options that {@link ServerSockets} routes to the provider instead of to the channel. */
    record LibraryOption<T>(String name, Class<T> type) implements SocketOption<T> {
        @Override
        public String toString() {
            return name;
        }
    }
}
