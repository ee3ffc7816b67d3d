package com.example.outsider;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.FaultInjector;
import org.tryaccept.spi.ServerSocketsProvider;
import org.tryaccept.spi.SockaddrCodec;

/**
 * A Linux tryaccept provider written from scratch on the exported SPI only: its own FFM bindings
 * ({@link Libc}), its own sockaddr codec, its own errno table.
 *
 * <ul>
 * <li><b>Which fd is the listener's</b>, without {@code --add-exports}: the fds in {@code /proc/self/fd}
 *     that listen ({@code SO_ACCEPTCONN}) on the channel's local address; exactly one must match
 *     (twin {@code SO_REUSEPORT} listeners on one address are refused with a clear error). The number is
 *     cached per channel: the JDK never changes it while the channel is open.</li>
 * <li><b>Race-free against a concurrent close</b>: readiness is a {@code poll(POLLIN, 0)} on the number
 *     (harmless even if it was recycled); the accept itself runs on a transient duplicate
 *     ({@code fcntl(F_DUPFD_CLOEXEC)}, then {@code isOpen()}: the JDK sets its closed flag before it
 *     closes the fd, so a duplicate made while the channel is still open is the channel's socket),
 *     closed again before the call returns, so {@code close()} still frees the port at once.</li>
 * <li><b>Accept</b>: {@code accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)}; EINTR is retried, ECONNABORTED and the
 *     pending network errors of accept(2) skip to the next connection, EAGAIN gives -1, anything else an
 *     {@link org.tryaccept.ErrnoException}.</li>
 * <li><b>Fault injection</b> ({@link #withFaults}): before each accept4 the provider asks the injector,
 *     and it reports every fd it gets from the kernel (accepted fds and transient duplicates) and every fd
 *     it closes. It makes no fcntl on accepted fds (accept4 sets the flags), so it never asks
 *     {@link FaultInjector#beforeFcntl}.</li>
 * </ul>
 */
public class OutsiderProvider extends ServerSocketsProvider {
    private static final SockaddrCodec CODEC = new LinuxSockaddrCodec();
    private static final Set<SocketOption<?>> OPTIONS = Set.of(ServerSocketOptions.TCP_DEFER_ACCEPT);
    private static final int ACCEPT_FLAGS = Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC;

    /** The JDK's fd number of each listener seen so far. */
    private static final Map<ServerSocketChannel, Integer> LISTENER_FDS = Collections.synchronizedMap(new WeakHashMap<>());
    /**
     * Transient duplicates are made under the read lock, fd discovery runs under the write lock, so
     * discovery never sees one of our own duplicates (whose number is gone a moment later).
     */
    private static final ReentrantReadWriteLock DUPLICATES = new ReentrantReadWriteLock();

    private final FaultInjector faults; // null: every call is real

    /** The provider as ServiceLoader makes it. */
    public OutsiderProvider() {
        this(null);
    }

    private OutsiderProvider(FaultInjector faults) {
        this.faults = faults;
    }

    @Override
    public boolean isSupported() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
    }

    @Override
    public String name() {
        return faults == null ? "outsider-ffm" : "outsider-ffm+faults";
    }

    @Override
    public ServerSocketsProvider withFaults(FaultInjector faults) {
        return new OutsiderProvider(Objects.requireNonNull(faults, "faults"));
    }

    @Override
    public SockaddrCodec sockaddrCodec() {
        return CODEC;
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    @Override
    public int tryAccept(ServerSocketChannel listener, MemorySegment peer, MemorySegment peerLength) throws IOException {
        if (listener.isBlocking()) {
            throw new IllegalBlockingModeException(); // accept4 on a duplicate would block
        }
        int fd = listenerFd(listener);
        Libc.Scratch s = Libc.scratch();
        int revents;
        while ((revents = Libc.pollNow(s, fd, Libc.POLLIN)) < 0) {
            if (s.errno() != LinuxErrno.EINTR) {
                throw LinuxErrno.exception("poll", s.errno());
            }
        }
        if (revents == 0) {
            return -1; // nothing pending: no exception, no allocation
        }
        Lock lock = DUPLICATES.readLock();
        lock.lock();
        try {
            int dup = borrow(s, fd, listener);
            try {
                return acceptOn(s, dup, peer, peerLength);
            } finally {
                closeQuietly(s, dup);
            }
        } finally {
            lock.unlock();
        }
    }

    private int acceptOn(Libc.Scratch s, int dup, MemorySegment peer, MemorySegment peerLength) throws IOException {
        while (true) {
            Errno injected = faults == null ? null : faults.beforeAccept("accept4");
            int fd;
            int errno;
            if (injected != null) {
                fd = -1;
                errno = LinuxErrno.number(injected);
            } else {
                peerLength.set(ValueLayout.JAVA_INT, 0, SockaddrCodec.CAPACITY);
                fd = Libc.accept4(s, dup, peer, peerLength, ACCEPT_FLAGS);
                errno = fd < 0 ? s.errno() : 0;
            }
            if (fd >= 0) {
                try {
                    opened(fd, "accept4");
                    return fd;
                } catch (RuntimeException | Error e) {
                    closeQuietly(s, fd); // nothing may leak once the kernel handed out the fd
                    throw e;
                }
            }
            if (errno == LinuxErrno.EAGAIN) {
                return -1;
            }
            Errno name = LinuxErrno.name(errno);
            if (name != null && (Errno.RETRY.contains(name) || Errno.CONNECTION_GONE.contains(name)
                    || Errno.PENDING_NETWORK_ERRORS.contains(name))) {
                continue; // interrupted, or that connection is gone: try the next one
            }
            throw LinuxErrno.exception("accept4", errno);
        }
    }

    @Override
    public <T> void setOption(ServerSocketChannel listener, SocketOption<T> option, T value) throws IOException {
        checkOption(listener, option);
        int seconds = (Integer) Objects.requireNonNull(value, "value");
        if (seconds < 0) {
            throw new IllegalArgumentException("TCP_DEFER_ACCEPT must be >= 0 seconds: " + seconds);
        }
        Libc.Scratch s = Libc.scratch();
        withDuplicate(listener, s, dup -> Libc.setIntOption(s, dup, Libc.IPPROTO_TCP, Libc.TCP_DEFER_ACCEPT, seconds),
                "setsockopt(TCP_DEFER_ACCEPT)");
    }

    @Override
    public <T> T getOption(ServerSocketChannel listener, SocketOption<T> option) throws IOException {
        checkOption(listener, option);
        Libc.Scratch s = Libc.scratch();
        withDuplicate(listener, s, dup -> Libc.getIntOption(s, dup, Libc.IPPROTO_TCP, Libc.TCP_DEFER_ACCEPT),
                "getsockopt(TCP_DEFER_ACCEPT)");
        return option.type().cast(s.intValue.get(ValueLayout.JAVA_INT, 0));
    }

    private static void checkOption(ServerSocketChannel listener, SocketOption<?> option) {
        Objects.requireNonNull(listener, "listener");
        if (!OPTIONS.contains(Objects.requireNonNull(option, "option"))) {
            throw new UnsupportedOperationException(option + " is not supported by outsider-ffm");
        }
    }

    private interface FdCall {
        int apply(int fd);
    }

    private void withDuplicate(ServerSocketChannel listener, Libc.Scratch s, FdCall call, String name) throws IOException {
        int fd = listenerFd(listener);
        Lock lock = DUPLICATES.readLock();
        lock.lock();
        try {
            int dup = borrow(s, fd, listener);
            try {
                if (call.apply(dup) < 0) {
                    throw LinuxErrno.exception(name, s.errno());
                }
            } finally {
                closeQuietly(s, dup);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close(int fd) throws IOException {
        Libc.Scratch s = Libc.scratch();
        if (Libc.close(s, fd) == 0) {
            closed(fd);
            return;
        }
        int errno = s.errno();
        if (errno != LinuxErrno.EBADF) {
            closed(fd); // Linux releases the fd even when close reports EINTR or EIO (close(2))
        }
        if (errno != LinuxErrno.EINTR) {
            throw LinuxErrno.exception("close", errno);
        }
    }

    /** The transient duplicate of the listener's socket; the caller holds the read lock and closes it. */
    private int borrow(Libc.Scratch s, int fd, ServerSocketChannel listener) throws IOException {
        int dup = Libc.fcntl(s, fd, Libc.F_DUPFD_CLOEXEC, 0);
        if (dup < 0) {
            int errno = s.errno();
            if (!listener.isOpen()) {
                throw new ClosedChannelException();
            }
            throw LinuxErrno.exception("fcntl(F_DUPFD_CLOEXEC)", errno);
        }
        opened(dup, "fcntl(F_DUPFD_CLOEXEC)");
        if (!listener.isOpen()) { // closed before the dup: the number may be another socket's now
            closeQuietly(s, dup);
            throw new ClosedChannelException();
        }
        return dup;
    }

    private void closeQuietly(Libc.Scratch s, int fd) {
        if (Libc.close(s, fd) == 0 || s.errno() != LinuxErrno.EBADF) {
            closed(fd);
        }
    }

    private void opened(int fd, String call) {
        if (faults != null) {
            faults.opened(fd, call);
        }
    }

    private void closed(int fd) {
        if (faults != null) {
            faults.closed(fd);
        }
    }

    /** @return the JDK's fd number of {@code listener}, found once and cached */
    private static int listenerFd(ServerSocketChannel listener) throws IOException {
        if (!listener.isOpen()) {
            throw new ClosedChannelException();
        }
        Integer fd = LISTENER_FDS.get(listener);
        return fd != null ? fd : discover(listener);
    }

    private static int discover(ServerSocketChannel listener) throws IOException {
        SocketAddress local = listener.getLocalAddress(); // ClosedChannelException once closed
        if (local == null) {
            throw new NotYetBoundException();
        }
        Libc.Scratch s = Libc.scratch();
        Lock lock = DUPLICATES.writeLock();
        lock.lock();
        try {
            Integer cached = LISTENER_FDS.get(listener);
            if (cached != null) {
                return cached;
            }
            List<Integer> found = new ArrayList<>();
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path p : fds) {
                    int n = Integer.parseInt(p.getFileName().toString());
                    if (listensOn(s, n, local)) {
                        found.add(n);
                    }
                }
            }
            if (!listener.isOpen()) {
                throw new ClosedChannelException();
            }
            if (found.size() != 1) {
                throw new SocketException("outsider-ffm cannot tell which fd is the listener on " + local + ": "
                        + (found.isEmpty() ? "no fd listens there" : "fds " + found + " all listen there"));
            }
            LISTENER_FDS.put(listener, found.get(0));
            return found.get(0);
        } finally {
            lock.unlock();
        }
    }

    private static boolean listensOn(Libc.Scratch s, int fd, SocketAddress local) {
        if (Libc.getIntOption(s, fd, Libc.SOL_SOCKET, Libc.SO_ACCEPTCONN) != 0
                || s.intValue.get(ValueLayout.JAVA_INT, 0) != 1 || Libc.getsockname(s, fd) != 0) {
            return false; // not a socket (ENOTSOCK), gone (EBADF), or not listening
        }
        try {
            return local.equals(CODEC.decode(s.sockaddr, s.length.get(ValueLayout.JAVA_INT, 0)));
        } catch (SocketException e) {
            return false;
        }
    }
}
