package org.tryaccept.linux;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.internal.FdAccess;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.ListenerFds;
import org.tryaccept.internal.OsFamily;
import org.tryaccept.internal.Platform;
import org.tryaccept.internal.Readiness;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.spi.PollerBackend;

/**
 * Linux: {@code accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)}, so the new fd is non-blocking and
 * close-on-exec atomically, readiness through one process-wide epoll instance, and
 * {@code TCP_DEFER_ACCEPT} as {@code setsockopt(IPPROTO_TCP, TCP_DEFER_ACCEPT, n)} (tcp(7)).
 * Found by {@link java.util.ServiceLoader}; use {@link org.tryaccept.ServerSockets}, not this class.
 */
public final class LinuxServerSocketsProvider extends FfmProvider {

    /** For {@link java.util.ServiceLoader}. */
    public LinuxServerSocketsProvider() {
    }

    /** For this module's tests: given system calls and, when not null, a given fd access mode. */
    LinuxServerSocketsProvider(Syscalls syscalls, FdAccess fdAccess) {
        super(syscalls, fdAccess);
    }

    @Override
    protected FfmProvider over(Syscalls syscalls, FdAccess fdAccess) {
        return new LinuxServerSocketsProvider(syscalls, fdAccess);
    }

    @Override
    public boolean isSupported() {
        return OsFamily.current() == OsFamily.LINUX && OsFamily.isSupportedArch(System.getProperty("os.arch"));
    }

    @Override
    public String name() {
        return "linux-ffm";
    }

    @Override
    protected Platform createPlatform() {
        return LinuxConstants.platform();
    }

    /** Linux has epoll: the nothing-pending check costs about half of a poll. */
    @Override
    protected Readiness createReadiness(Platform platform, Syscalls sys, ListenerFds listeners) {
        return new EpollReadiness(listeners);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return Set.of(ServerSocketOptions.TCP_DEFER_ACCEPT);
    }

    @Override
    public <T> void setOption(ServerSocketChannel listener, SocketOption<T> option, T value) throws IOException {
        requireDeferAccept(option);
        int seconds = (Integer) value;
        if (seconds < 0) {
            throw new IllegalArgumentException("TCP_DEFER_ACCEPT must be >= 0 seconds (0 disables), got " + seconds);
        }
        Syscalls sys = syscalls();
        int r = listeners().onBorrowed(listener, fd -> sys.setsockoptInt(
                fd, LinuxConstants.IPPROTO_TCP, LinuxConstants.TCP_DEFER_ACCEPT, seconds));
        if (r < 0) {
            throw LinuxConstants.ERRNO.exception("setsockopt(TCP_DEFER_ACCEPT)", -r);
        }
    }

    @Override
    public <T> T getOption(ServerSocketChannel listener, SocketOption<T> option) throws IOException {
        requireDeferAccept(option);
        Syscalls sys = syscalls();
        int r = listeners().onBorrowed(listener, fd -> sys.getsockoptInt(
                fd, LinuxConstants.IPPROTO_TCP, LinuxConstants.TCP_DEFER_ACCEPT));
        if (r < 0) {
            throw LinuxConstants.ERRNO.exception("getsockopt(TCP_DEFER_ACCEPT)", -r);
        }
        return option.type().cast(r);
    }

    private static void requireDeferAccept(SocketOption<?> option) {
        if (option != ServerSocketOptions.TCP_DEFER_ACCEPT) {
            throw new UnsupportedOperationException("linux-ffm does not implement " + option.name());
        }
    }

    // ---- Poller and SocketIo ----

    /** epoll, an eventfd for wake-ups, an inner epoll per listener: see {@link EpollPoller}. */
    @Override
    public PollerBackend openPoller(int maxEvents) throws IOException {
        return new EpollPoller(maxEvents, listeners(), syscalls());
    }

    @Override
    public int read(int fd, MemorySegment dst) throws IOException {
        return LinuxSocketIo.read(fd, dst);
    }

    @Override
    public int write(int fd, MemorySegment src) throws IOException {
        return LinuxSocketIo.write(fd, src);
    }

    @Override
    public void shutdownOutput(int fd) throws IOException {
        LinuxSocketIo.shutdownOutput(fd);
    }
}
