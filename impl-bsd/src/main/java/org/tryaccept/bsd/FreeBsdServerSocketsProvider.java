package org.tryaccept.bsd;

import static org.tryaccept.bsd.FreeBsdConstants.ACCEPT_FILTER_ARG_SIZE;
import static org.tryaccept.bsd.FreeBsdConstants.AF_NAME_OFFSET;
import static org.tryaccept.bsd.FreeBsdConstants.AF_NAME_SIZE;
import static org.tryaccept.bsd.FreeBsdConstants.DATAREADY;
import static org.tryaccept.bsd.FreeBsdConstants.EINVAL;
import static org.tryaccept.bsd.FreeBsdConstants.ENOENT;
import static org.tryaccept.bsd.FreeBsdConstants.ERRNO;
import static org.tryaccept.bsd.FreeBsdConstants.SOL_SOCKET;
import static org.tryaccept.bsd.FreeBsdConstants.SO_ACCEPTCONN;
import static org.tryaccept.bsd.FreeBsdConstants.SO_ACCEPTFILTER;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.tryaccept.ErrnoException;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.internal.FdAccess;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.OsFamily;
import org.tryaccept.internal.Platform;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.PollerBackend;

/**
 * FreeBSD: {@code accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)}, so the new fd is non-blocking and
 * close-on-exec atomically, and {@code TCP_DEFER_ACCEPT} as the {@code "dataready"} accept filter
 * (accf_data(9)). Found by {@link java.util.ServiceLoader}; use {@link org.tryaccept.ServerSockets},
 * not this class.
 *
 * <p>{@code TCP_DEFER_ACCEPT} on FreeBSD:
 * <ul>
 * <li>{@code n > 0} installs {@code "dataready"}; FreeBSD has no timeout for it, so {@code n} only
 * says "on". Setting it again while it is installed does nothing.</li>
 * <li>{@code 0} removes whatever accept filter the listener has, as {@code setsockopt} with a null
 * argument does in the kernel.</li>
 * <li>reading gives 1 when {@code "dataready"} is installed, else 0.</li>
 * <li>the filter lives in a kernel module: without it, setting fails with an
 * {@link ErrnoException} (ENOENT) that says to run {@code kldload accf_data}.</li>
 * </ul>
 */
public final class FreeBsdServerSocketsProvider extends FfmProvider {
    private static final String SET_CALL = "setsockopt(SO_ACCEPTFILTER)";
    private static final String GET_CALL = "getsockopt(SO_ACCEPTFILTER)";

    private final KqueueCalls kqueueOverride;
    private final BsdSocketIo io;

    /** For {@link java.util.ServiceLoader}. */
    public FreeBsdServerSocketsProvider() {
        this(null, null, null, null);
    }

    /** For this module's tests: given system calls and, when not null, a given fd access mode. */
    FreeBsdServerSocketsProvider(Syscalls syscalls, FdAccess fdAccess) {
        this(syscalls, fdAccess, null, null);
    }

    /** For this module's tests: also given kqueue calls and socket I/O calls (null: the C library). */
    FreeBsdServerSocketsProvider(Syscalls syscalls, FdAccess fdAccess, KqueueCalls kqueue, BsdSocketIo.Calls io) {
        super(syscalls, fdAccess);
        this.kqueueOverride = kqueue;
        this.io = new BsdSocketIo(FreeBsdConstants.io(), io != null ? io : LazyLibcIo.INSTANCE);
    }

    @Override
    protected FfmProvider over(Syscalls syscalls, FdAccess fdAccess) {
        return new FreeBsdServerSocketsProvider(syscalls, fdAccess, kqueueOverride, null);
    }

    @Override
    public boolean isSupported() {
        return OsFamily.current() == OsFamily.FREEBSD && OsFamily.isSupportedArch(System.getProperty("os.arch"));
    }

    @Override
    public String name() {
        return "freebsd-ffm";
    }

    @Override
    protected Platform createPlatform() {
        return FreeBsdConstants.platform();
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return Set.of(ServerSocketOptions.TCP_DEFER_ACCEPT);
    }

    @Override
    public <T> void setOption(ServerSocketChannel listener, SocketOption<T> option, T value) throws IOException {
        requireDeferAccept(option);
        int n = (Integer) value;
        if (n < 0) {
            throw new IllegalArgumentException("TCP_DEFER_ACCEPT must be >= 0 (0 removes the accept filter), got " + n);
        }
        Syscalls sys = syscalls();
        try (Arena arena = Arena.ofConfined()) {
            // The kernel deletes the filter when the option value pointer is NULL (uipc_accf.c,
            // accept_filt_setopt: "the simple delete case"); kern_setsockopt wants length 0 with it.
            MemorySegment arg = n > 0 ? filterArg(arena, DATAREADY) : MemorySegment.NULL;
            int length = n > 0 ? ACCEPT_FILTER_ARG_SIZE : 0;
            Diagnosis d = new Diagnosis(arena);
            int r = listeners().onBorrowed(listener, fd -> {
                int res = sys.setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, arg, length);
                if (res == -EINVAL) {
                    d.inspect(sys, fd); // same borrowed fd: the answer is about this very socket
                }
                return res;
            });
            if (r >= 0) {
                return;
            }
            int errno = -r;
            if (errno == ENOENT && n > 0) {
                throw ERRNO.exception(SET_CALL, Errno.ENOENT, "the \"dataready\" accept filter is not in the"
                        + " kernel; load it with 'kldload accf_data' (or accf_data_load=\"YES\" in /boot/loader.conf)");
            }
            if (errno == EINVAL) {
                if (d.listening != 1) {
                    throw notListening(SET_CALL);
                }
                if (n > 0 && DATAREADY.equals(d.installed)) {
                    return; // already deferring: installing twice is EINVAL in the kernel, a no-op here
                }
                if (n > 0 && d.installed != null) {
                    throw ERRNO.exception(SET_CALL, Errno.EINVAL, "the listener already has the accept filter \""
                            + d.installed + "\"; set TCP_DEFER_ACCEPT to 0 to remove it first");
                }
            }
            throw ERRNO.exception(SET_CALL, errno);
        }
    }

    @Override
    public <T> T getOption(ServerSocketChannel listener, SocketOption<T> option) throws IOException {
        requireDeferAccept(option);
        Syscalls sys = syscalls();
        try (Arena arena = Arena.ofConfined()) {
            Diagnosis d = new Diagnosis(arena);
            int r = listeners().onBorrowed(listener, fd -> d.inspect(sys, fd));
            if (r >= 0) {
                return option.type().cast(DATAREADY.equals(d.installed) ? 1 : 0);
            }
            if (-r == EINVAL && d.listening != 1) {
                throw notListening(GET_CALL);
            }
            throw ERRNO.exception(GET_CALL, -r);
        }
    }

    private static ErrnoException notListening(String call) {
        return ERRNO.exception(call, Errno.EINVAL,
                "the socket is not listening; accept filters need a bound ServerSocketChannel");
    }

    private static void requireDeferAccept(SocketOption<?> option) {
        if (option != ServerSocketOptions.TCP_DEFER_ACCEPT) {
            throw new UnsupportedOperationException("freebsd-ffm does not implement " + option.name());
        }
    }

    /** A zeroed {@code struct accept_filter_arg} naming {@code filter}, with no argument. */
    static MemorySegment filterArg(Arena arena, String filter) {
        byte[] name = filter.getBytes(StandardCharsets.US_ASCII);
        if (name.length >= AF_NAME_SIZE) {
            throw new IllegalArgumentException("accept filter name longer than " + (AF_NAME_SIZE - 1) + " bytes: " + filter);
        }
        MemorySegment arg = arena.allocate(ACCEPT_FILTER_ARG_SIZE, 1);
        MemorySegment.copy(name, 0, arg, ValueLayout.JAVA_BYTE, AF_NAME_OFFSET, name.length);
        return arg;
    }

    /** @return af_name of a {@code struct accept_filter_arg} the kernel wrote, bounded by its length */
    static String filterName(MemorySegment arg, int length) {
        int end = Math.min(Math.min(length, AF_NAME_SIZE), (int) arg.byteSize());
        int i = AF_NAME_OFFSET;
        while (i < end && arg.get(ValueLayout.JAVA_BYTE, i) != 0) {
            i++;
        }
        byte[] name = new byte[i - AF_NAME_OFFSET];
        MemorySegment.copy(arg, ValueLayout.JAVA_BYTE, AF_NAME_OFFSET, name, 0, name.length);
        return new String(name, StandardCharsets.US_ASCII);
    }

    /**
     * What the kernel says about a listener's accept filter. {@code getsockopt(SO_ACCEPTFILTER)}
     * fails with EINVAL both on a socket that is not listening and on a listener without a filter
     * (accept_filt_getopt), so SO_ACCEPTCONN tells the two apart.
     */
    private static final class Diagnosis {
        final MemorySegment buffer;
        final MemorySegment length;
        String installed;
        int listening = -1;

        Diagnosis(Arena arena) {
            buffer = arena.allocate(ACCEPT_FILTER_ARG_SIZE, 1);
            length = arena.allocate(ValueLayout.JAVA_INT);
        }

        /** @return 0 when a filter was read back (see {@link #installed}), else -errno */
        int inspect(Syscalls sys, int fd) {
            buffer.fill((byte) 0);
            length.set(ValueLayout.JAVA_INT, 0, ACCEPT_FILTER_ARG_SIZE);
            int r = sys.getsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, buffer, length);
            if (r >= 0) {
                installed = filterName(buffer, length.get(ValueLayout.JAVA_INT, 0));
                listening = 1;
                return 0;
            }
            installed = null;
            listening = sys.getsockoptInt(fd, SOL_SOCKET, SO_ACCEPTCONN);
            return r == -EINVAL && listening == 1 ? 0 : r;
        }
    }

    // ---- Poller and SocketIo ----

    /** kqueue with EVFILT_USER for wake-ups; listeners on the JDK's own fd number: see {@link KqueuePoller}. */
    @Override
    public PollerBackend openPoller(int maxEvents) throws IOException {
        if (kqueueOverride != null) {
            return new KqueuePoller(FreeBsdConstants.kqueue(false), maxEvents, listeners(), kqueueOverride);
        }
        LibcKqueue libc = LibcKqueue.freebsd(syscalls());
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
