package org.tryaccept.bsd;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import org.tryaccept.internal.FdAccess;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.OsFamily;
import org.tryaccept.internal.Platform;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.spi.PollerBackend;

/**
 * macOS: {@code accept}, then {@code fcntl(F_SETFL, O_NONBLOCK)} and {@code fcntl(F_SETFD, FD_CLOEXEC)}
 * on the new fd (XNU has no accept4); if either fcntl fails the new fd is closed before the error is
 * thrown. The window between accept and {@code FD_CLOEXEC} cannot be closed on macOS: a fork+exec in
 * another thread at that instant inherits the fd. {@code TCP_DEFER_ACCEPT} does not exist on macOS
 * (no accept filters in XNU) and is not offered. Found by {@link java.util.ServiceLoader}; use
 * {@link org.tryaccept.ServerSockets}, not this class.
 */
public final class MacOsServerSocketsProvider extends FfmProvider {

    private final KqueueCalls kqueueOverride;
    private final BsdSocketIo io;

    /** For {@link java.util.ServiceLoader}. */
    public MacOsServerSocketsProvider() {
        this(null, null, null, null);
    }

    /** For this module's tests: given system calls and, when not null, a given fd access mode. */
    MacOsServerSocketsProvider(Syscalls syscalls, FdAccess fdAccess) {
        this(syscalls, fdAccess, null, null);
    }

    /** For this module's tests: also given kqueue calls and socket I/O calls (null: the C library). */
    MacOsServerSocketsProvider(Syscalls syscalls, FdAccess fdAccess, KqueueCalls kqueue, BsdSocketIo.Calls io) {
        super(syscalls, fdAccess);
        this.kqueueOverride = kqueue;
        this.io = new BsdSocketIo(MacOsConstants.io(), io != null ? io : LazyLibcIo.INSTANCE);
    }

    @Override
    protected FfmProvider over(Syscalls syscalls, FdAccess fdAccess) {
        return new MacOsServerSocketsProvider(syscalls, fdAccess, kqueueOverride, null);
    }

    @Override
    public boolean isSupported() {
        return OsFamily.current() == OsFamily.MACOS && OsFamily.isSupportedArch(System.getProperty("os.arch"));
    }

    @Override
    public String name() {
        return "macos-ffm";
    }

    @Override
    protected Platform createPlatform() {
        return MacOsConstants.platform();
    }

    /** @return no library options: macOS has neither TCP_DEFER_ACCEPT nor accept filters */
    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return Set.of();
    }

    @Override
    public <T> void setOption(ServerSocketChannel listener, SocketOption<T> option, T value) {
        throw unsupported(option);
    }

    @Override
    public <T> T getOption(ServerSocketChannel listener, SocketOption<T> option) {
        throw unsupported(option);
    }

    private static UnsupportedOperationException unsupported(SocketOption<?> option) {
        return new UnsupportedOperationException(option.name() + " is not available on macOS: XNU has neither"
                + " TCP_DEFER_ACCEPT nor accept filters");
    }

    // ---- Poller and SocketIo ----

    /** kqueue with EVFILT_USER for wake-ups; listeners on the JDK's own fd number: see {@link KqueuePoller}. */
    @Override
    public PollerBackend openPoller(int maxEvents) throws IOException {
        if (kqueueOverride != null) {
            return new KqueuePoller(MacOsConstants.kqueue(), maxEvents, listeners(), kqueueOverride);
        }
        LibcKqueue libc = LibcKqueue.macos(syscalls());
        return new KqueuePoller(libc.spec(), maxEvents, listeners(), libc);
    }

    @Override
    public int read(int fd, MemorySegment dst) throws IOException {
        return io.read(fd, dst);
    }

    @Override
    public int write(int fd, MemorySegment src) throws IOException {
        return io.write(fd, src);
    }

    @Override
    public void shutdownOutput(int fd) throws IOException {
        io.shutdownOutput(fd);
    }
}
