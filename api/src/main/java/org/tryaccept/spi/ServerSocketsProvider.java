package org.tryaccept.spi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;

/**
 * Service-provider interface: one implementation per operating system, found with
 * {@link java.util.ServiceLoader}. {@link org.tryaccept.ServerSockets} uses the first provider whose
 * {@link #isSupported()} is true on the running OS and architecture.
 *
 * <p>{@code ServerSockets} has already checked its arguments before it calls a provider: the
 * listener is non-null, a JDK channel, open at the time of the check, and non-blocking; options are
 * non-null and of the right type. Providers must still cope with the listener being closed
 * concurrently: they answer {@link java.nio.channels.ClosedChannelException}, and must never act on
 * a file descriptor number the channel no longer owns.
 *
 * <p>Everything a provider receives and returns is a JDK type or a type of this package, so a provider
 * can be written from scratch in its own module. Register it in {@code module-info.java} and, for the
 * class path, in {@code META-INF/services/org.tryaccept.spi.ServerSocketsProvider}:
 *
 * <pre>{@code
 * module com.example.tryaccept.solaris {
 *     requires org.tryaccept;
 *     provides org.tryaccept.spi.ServerSocketsProvider with com.example.SolarisProvider;
 * }
 * }</pre>
 *
 * The conformance kit ({@code tryaccept-conformance}) checks an implementation against the contract.
 *
 * @since 0.1
 */
public abstract class ServerSocketsProvider {

    /** For subclasses. */
    protected ServerSocketsProvider() {
    }

    /** @return true when this provider works on the running OS and architecture */
    public abstract boolean isSupported();

    /** @return a short name for logs and errors, e.g. {@code "linux-ffm"} */
    public abstract String name();

    /**
     * Accepts one pending connection. The kernel writes the peer's {@code struct sockaddr} into
     * {@code peer} and its length into {@code peerLength}, as {@code accept(2)} does with its
     * {@code addr} and {@code addrlen} arguments.
     *
     * <p>Must not throw, and should not allocate, when nothing is pending. The returned fd is
     * non-blocking and close-on-exec, and its address decodes with {@link #sockaddrCodec()}; when
     * anything fails after the kernel handed the fd out, the provider closes it before it throws.
     *
     * @param peer       native memory of at least {@link SockaddrCodec#CAPACITY} bytes
     * @param peerLength a native {@code socklen_t} (4 bytes); its value on entry is not used
     * @return the new fd, or -1 when nothing is pending
     * @see org.tryaccept.ServerSockets#tryAccept(ServerSocketChannel, org.tryaccept.AcceptBuffer)
     */
    public abstract int tryAccept(ServerSocketChannel listener, MemorySegment peer, MemorySegment peerLength)
            throws IOException;

    /** @return the codec that reads the peer addresses {@link #tryAccept} writes */
    public abstract SockaddrCodec sockaddrCodec();

    /** @return the library options ({@link org.tryaccept.ServerSocketOptions}) this provider supports */
    public abstract Set<SocketOption<?>> supportedOptions();

    /**
     * Sets a library option.
     *
     * @throws UnsupportedOperationException if the option is not in {@link #supportedOptions()}
     */
    public abstract <T> void setOption(ServerSocketChannel listener, SocketOption<T> option, T value) throws IOException;

    /**
     * Reads a library option.
     *
     * @throws UnsupportedOperationException if the option is not in {@link #supportedOptions()}
     */
    public abstract <T> T getOption(ServerSocketChannel listener, SocketOption<T> option) throws IOException;

    /** Closes a file descriptor that an accept handed out. */
    public abstract void close(int fd) throws IOException;

    /**
     * The fault-injection seam of the conformance kit: a provider of the same implementation whose
     * accept path asks {@code faults} before its system calls and reports to it every fd it opens and
     * closes. Everything else, readiness checks included, stays real. The kit's errno properties use
     * it to produce the errors the kernel will not produce on demand (EINTR, ECONNABORTED, EMFILE, a
     * failing fcntl after accept).
     *
     * @return a new provider instance that routes its accept path through {@code faults}
     * @throws UnsupportedOperationException if this provider offers no such seam (the default)
     */
    public ServerSocketsProvider withFaults(FaultInjector faults) {
        throw new UnsupportedOperationException(name() + " offers no fault-injection seam");
    }

    @Override
    public String toString() {
        return name();
    }

    // ---- Poller and SocketIo (DESIGN section 8) ----

    /**
     * Opens this OS's event poller for {@link org.tryaccept.Poller}.
     *
     * @param maxEvents the most events one {@link PollerBackend#poll} reports, {@code >= 1}
     * @throws UnsupportedOperationException if this provider has no poller (the default)
     */
    public PollerBackend openPoller(int maxEvents) throws IOException {
        throw new UnsupportedOperationException(name() + " has no Poller");
    }

    /**
     * Reads from a non-blocking socket into native memory, with NIO's conventions. {@code dst} is
     * native and not empty ({@link org.tryaccept.SocketIo} handles heap memory and empty buffers).
     *
     * @return bytes read ({@code > 0}), 0 when nothing is available (EAGAIN), -1 at end of stream
     * @throws org.tryaccept.ErrnoException on other errors (ECONNRESET ...)
     * @throws UnsupportedOperationException if this provider has no socket I/O (the default)
     */
    public int read(int fd, MemorySegment dst) throws IOException {
        throw new UnsupportedOperationException(name() + " has no socket I/O");
    }

    /**
     * Writes native memory to a non-blocking socket without ever raising SIGPIPE.
     *
     * @return bytes written ({@code >= 0}), 0 when the send buffer is full (EAGAIN)
     * @throws org.tryaccept.ErrnoException on errors: EPIPE or ECONNRESET when the peer is gone
     * @throws UnsupportedOperationException if this provider has no socket I/O (the default)
     */
    public int write(int fd, MemorySegment src) throws IOException {
        throw new UnsupportedOperationException(name() + " has no socket I/O");
    }

    /**
     * Shuts down the sending side of a socket ({@code shutdown(fd, SHUT_WR)}).
     *
     * @throws UnsupportedOperationException if this provider has no socket I/O (the default)
     */
    public void shutdownOutput(int fd) throws IOException {
        throw new UnsupportedOperationException(name() + " has no socket I/O");
    }
}
