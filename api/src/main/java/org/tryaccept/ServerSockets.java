package org.tryaccept;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tryaccept.ServerSocketOptions.LibraryOption;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * Exception-free accept for a JDK {@link ServerSocketChannel}, and the options that go with it.
 *
 * <p>{@code tryAccept} takes one pending connection and returns its raw fd (non-blocking,
 * close-on-exec) together with the peer address from the same system call. When nothing is pending it
 * returns {@code Optional.empty()} / {@code false}: no exception is created and nothing is allocated,
 * and no failing {@code accept} is paid for, because readiness is checked first.
 *
 * <pre>{@code
 * ServerSocketChannel listener = ServerSocketChannel.open();
 * listener.bind(new InetSocketAddress("127.0.0.1", 0));
 * listener.configureBlocking(false);                       // a try-call never blocks
 *
 * Optional<Accepted> next;
 * while ((next = ServerSockets.tryAccept(listener)).isPresent()) {
 *     Accepted c = next.get();
 *     System.out.println("fd " + c.fd() + " from " + c.remoteAddress());
 *     c.close();
 * }
 * }</pre>
 *
 * <p>All methods are thread-safe. Any number of threads may call {@code tryAccept} on one listener,
 * also together with the channel's own {@code accept()}; each connection is returned once. Closing the
 * listener from another thread makes {@code tryAccept} throw {@link ClosedChannelException}; it never
 * touches a recycled file descriptor, and the port is released at once, as with the JDK alone.
 *
 * @since 0.1
 */
public final class ServerSockets {
    private static final ThreadLocal<AcceptBuffer> BUFFERS = ThreadLocal.withInitial(AcceptBuffer::new);

    private ServerSockets() {
    }

    /**
     * Accepts one pending connection, if there is one.
     *
     * @param listener a bound, non-blocking channel of the JDK's default provider
     * @return the connection, or {@code Optional.empty()} when nothing is pending (nothing allocated)
     * @throws ClosedChannelException         if the listener is closed, also concurrently
     * @throws java.nio.channels.NotYetBoundException if the listener is not bound
     * @throws IllegalBlockingModeException   if the listener is in blocking mode
     * @throws IllegalArgumentException       if the channel is not the JDK's own implementation
     * @throws ErrnoException                 on resource errors such as {@code EMFILE}; the listener
     *                                        and its queue are unaffected
     * @throws IOException                    on other I/O errors
     */
    public static Optional<Accepted> tryAccept(ServerSocketChannel listener) throws IOException {
        AcceptBuffer buf = BUFFERS.get();
        if (!tryAccept(listener, buf)) {
            return Optional.empty();
        }
        int fd = buf.fd();
        SocketAddress remote;
        try {
            remote = buf.remoteAddress();
        } catch (Throwable t) {
            closeAfterFailure(fd, t);
            throw t;
        } finally {
            buf.clear(); // the fd now belongs to the Accepted (or is closed)
        }
        return Optional.of(new Accepted(fd, remote));
    }

    /**
     * Accepts one pending connection into a reusable buffer; allocation-free on both outcomes.
     *
     * @param listener a bound, non-blocking channel of the JDK's default provider
     * @param into     receives the fd and the peer address; overwritten on success, cleared otherwise
     * @return true if a connection was accepted
     * @throws IllegalStateException if {@code into} is in use by another thread at the same time
     * @throws IOException           as {@link #tryAccept(ServerSocketChannel)}
     */
    public static boolean tryAccept(ServerSocketChannel listener, AcceptBuffer into) throws IOException {
        checkListener(listener);
        Objects.requireNonNull(into, "into");
        if (listener.isBlocking()) {
            throw new IllegalBlockingModeException();
        }
        return into.acceptFrom(provider(), listener);
    }

    /**
     * Sets an option. {@link ServerSocketOptions} are handled by the provider; any other option goes to
     * {@code listener.setOption}, so one call style serves all options.
     *
     * @throws UnsupportedOperationException if the option is not supported on this OS
     * @throws IllegalArgumentException      if the value is null, of the wrong type, or out of range
     * @throws java.nio.channels.NotYetBoundException for a {@link ServerSocketOptions} option on a
     *                                       listener that is not bound yet (set it right after bind)
     */
    public static <T> void setOption(ServerSocketChannel listener, SocketOption<T> option, T value) throws IOException {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(option, "option");
        if (option instanceof LibraryOption<?> lib) {
            checkBoundListener(listener);
            if (value == null || !lib.type().isInstance(value)) {
                throw new IllegalArgumentException(option.name() + " takes a non-null " + lib.type().getSimpleName()
                        + ", got " + (value == null ? "null" : value.getClass().getSimpleName()));
            }
            provider().setOption(listener, option, value);
        } else {
            listener.setOption(option, value);
        }
    }

    /**
     * Reads an option; {@link ServerSocketOptions} from the provider, others from the channel.
     *
     * @throws UnsupportedOperationException if the option is not supported on this OS
     */
    public static <T> T getOption(ServerSocketChannel listener, SocketOption<T> option) throws IOException {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(option, "option");
        if (option instanceof LibraryOption<?>) {
            checkBoundListener(listener);
            return provider().getOption(listener, option);
        }
        return listener.getOption(option);
    }

    /**
     * @return the channel's own options plus the {@link ServerSocketOptions} supported on this OS
     */
    public static Set<SocketOption<?>> supportedOptions(ServerSocketChannel listener) {
        Objects.requireNonNull(listener, "listener");
        Set<SocketOption<?>> all = new LinkedHashSet<>(listener.supportedOptions());
        all.addAll(provider().supportedOptions());
        return Collections.unmodifiableSet(all);
    }

    /**
     * @return the provider in use, chosen once with {@link java.util.ServiceLoader}
     * @throws IllegalStateException if no provider supports this OS and architecture; the message
     *                               names {@code os.name}, {@code os.arch} and the artifact to add
     */
    public static ServerSocketsProvider provider() {
        ServerSocketsProvider p = ProviderSelection.SELECTED;
        if (p == null) {
            throw new IllegalStateException(ProviderSelection.FAILURE);
        }
        return p;
    }

    static void checkListener(ServerSocketChannel listener) throws ClosedChannelException {
        Objects.requireNonNull(listener, "listener");
        // The fd protocol relies on the JDK's own channel class (its fd and close ordering).
        if (listener.getClass().getModule() != Object.class.getModule()) {
            throw new IllegalArgumentException("listener is a " + listener.getClass().getName()
                    + " (provider " + listener.provider()
                    + "), not a channel of the JDK's default SelectorProvider");
        }
        if (!listener.isOpen()) {
            throw new ClosedChannelException();
        }
    }

    /**
     * Library options act on a listening socket (FreeBSD's accept filters require one), and the JDK's
     * bind() both binds and listens; so they are set after bind, the same way on every OS and fd-access mode.
     */
    private static void checkBoundListener(ServerSocketChannel listener) throws IOException {
        checkListener(listener);
        if (listener.getLocalAddress() == null) {
            throw new java.nio.channels.NotYetBoundException();
        }
    }

    private static void closeAfterFailure(int fd, Throwable failure) {
        try {
            provider().close(fd);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
