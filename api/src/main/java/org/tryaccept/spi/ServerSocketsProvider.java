package org.tryaccept.spi;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.internal.AcceptBufferAccess;

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
 * <p>Register an implementation in {@code module-info.java} and, for the class path, in
 * {@code META-INF/services/org.tryaccept.spi.ServerSocketsProvider}:
 *
 * <pre>{@code
 * module com.example.tryaccept.solaris {
 *     requires org.tryaccept;
 *     provides org.tryaccept.spi.ServerSocketsProvider with com.example.SolarisProvider;
 * }
 * }</pre>
 *
 * The conformance kit ({@code tryaccept-conformance}) checks an implementation against the contract.
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
     * Accepts one pending connection into {@code into}, or returns false when nothing is pending.
     * Must not throw, and should not allocate, when nothing is pending.
     *
     * @see org.tryaccept.ServerSockets#tryAccept(ServerSocketChannel, AcceptBuffer)
     */
    public abstract boolean tryAccept(ServerSocketChannel listener, AcceptBuffer into) throws IOException;

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

    @Override
    public String toString() {
        return name();
    }

    /** @return the native {@code sockaddr_storage} (128 bytes) the kernel should write the peer into */
    protected static MemorySegment sockaddrOf(AcceptBuffer into) {
        return AcceptBufferAccess.get().sockaddr(into);
    }

    /** @return the native {@code socklen_t} that goes with {@link #sockaddrOf} */
    protected static MemorySegment sockaddrLengthOf(AcceptBuffer into) {
        return AcceptBufferAccess.get().sockaddrLength(into);
    }

    /**
     * Records an accepted connection in {@code into}: the fd, the number of valid bytes in
     * {@link #sockaddrOf}, and the codec that reads them.
     */
    protected static void complete(AcceptBuffer into, int fd, int sockaddrLength, SockaddrCodec codec) {
        AcceptBufferAccess.get().complete(into, fd, sockaddrLength, codec);
    }
}
