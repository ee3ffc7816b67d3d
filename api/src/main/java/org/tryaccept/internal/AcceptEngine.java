package org.tryaccept.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.util.function.IntUnaryOperator;
import org.tryaccept.AcceptBuffer;

/**
 * The accept algorithm every FFM provider shares; only the {@link Platform} differs.
 *
 * <ol>
 * <li><b>Readiness first.</b> A failing accept4 costs about 4 us on Linux (the kernel builds the new
 * socket before it looks at the queue). On Linux the check is {@code epoll_wait(.., 0)} on the
 * process-wide instance of {@link EpollReadiness} (about 0.25 us); elsewhere, or when that cannot
 * answer, {@code poll(fd, POLLIN, 0)} on the JDK's fd number (about 0.4 us, harmless on a recycled
 * number). Either way the nothing-pending path is one system call and one volatile read, with no
 * allocation.</li>
 * <li><b>Transient duplicate.</b> When something is pending, {@code fcntl(F_DUPFD_CLOEXEC)}, then check
 * {@code isOpen()}. The JDK sets its closed flag before it closes the fd, so a duplicate taken while the
 * channel is still open refers to the channel's own socket; the accept runs on the duplicate, which is
 * closed right after, so the user's {@code close()} still releases the port at once.</li>
 * <li><b>Accept</b> with {@code SOCK_NONBLOCK|SOCK_CLOEXEC} (or accept then fcntl), retrying EINTR,
 * skipping connections that died in the queue, and closing the new fd if anything after it fails.</li>
 * </ol>
 */
public final class AcceptEngine {
    /** Connections that die in the queue are skipped; stop after this many in one call. */
    static final int MAX_GONE_PER_CALL = 1024;
    static final int SOCKADDR_CAPACITY = 128;

    private final Platform platform;
    private final Syscalls sys;
    private final FdAccess fds;
    private final int eintr;
    private final int eagain;
    private final int pollin;
    private final int acceptFlags;
    private final boolean accept4;
    private final String acceptCall;
    private final EpollReadiness epoll;

    public AcceptEngine(Platform platform, Syscalls sys, FdAccess fds) {
        this(platform, sys, fds, false);
    }

    /**
     * @param epollReadiness check readiness through one process-wide epoll instance (Linux, real
     *                       system calls only) instead of {@code poll}; see {@link EpollReadiness}
     */
    public AcceptEngine(Platform platform, Syscalls sys, FdAccess fds, boolean epollReadiness) {
        this.platform = platform;
        this.sys = sys;
        this.fds = fds;
        this.eintr = platform.eintr();
        this.eagain = platform.eagain();
        this.pollin = platform.pollin();
        this.acceptFlags = platform.acceptFlags();
        this.accept4 = platform.usesAccept4();
        this.acceptCall = platform.acceptCall();
        this.epoll = epollReadiness ? new EpollReadiness(this) : null;
    }

    /** @return "epoll" or "poll": how the nothing-pending path asks the kernel */
    public String readinessMode() {
        return epoll != null ? "epoll" : "poll";
    }

    public Platform platform() {
        return platform;
    }

    public Syscalls syscalls() {
        return sys;
    }

    public FdAccess fdAccess() {
        return fds;
    }

    /** See {@link org.tryaccept.ServerSockets#tryAccept(ServerSocketChannel, AcceptBuffer)}. */
    public boolean tryAccept(ServerSocketChannel ch, AcceptBuffer into) throws IOException {
        AcceptBufferAccess.Access buffers = AcceptBufferAccess.get();
        buffers.enter(into);
        try {
            buffers.clear(into);
            return acceptInto(ch, into, buffers);
        } finally {
            buffers.exit(into);
        }
    }

    private boolean acceptInto(ServerSocketChannel ch, AcceptBuffer into, AcceptBufferAccess.Access buffers)
            throws IOException {
        int n = fds.fdOf(ch);
        int revents = epoll != null ? epoll.check(ch, n) : EpollReadiness.USE_POLL;
        if (revents == EpollReadiness.USE_POLL) {
            while ((revents = sys.poll(n, pollin)) == -eintr) {
                // poll with timeout 0 is rarely interrupted; just ask again
            }
        }
        if (revents == 0) {
            if (!ch.isOpen()) {
                throw new ClosedChannelException();
            }
            return false;
        }
        if (revents < 0 || (revents & pollin) == 0) {
            // POLLNVAL/POLLHUP/an error: closed, never bound (a socket that is not listening reports
            // POLLHUP), or a number that was recycled after a close. Let the channel's state decide.
            if (!ch.isOpen()) {
                throw new ClosedChannelException();
            }
            if (ch.getLocalAddress() == null) {
                throw new NotYetBoundException();
            }
            if (revents < 0) {
                throw platform.errno().exception("poll", -revents);
            }
            return false;
        }
        return acceptReady(ch, n, into, buffers);
    }

    private boolean acceptReady(ServerSocketChannel ch, int n, AcceptBuffer into, AcceptBufferAccess.Access buffers)
            throws IOException {
        int dup = duplicate(ch, n);
        try {
            if (ch.isBlocking()) {
                // Switched to blocking after ServerSockets checked: an accept now could block for ever.
                throw new IllegalBlockingModeException();
            }
            MemorySegment sa = buffers.sockaddr(into);
            MemorySegment len = buffers.sockaddrLength(into);
            int gone = 0;
            while (true) {
                len.set(ValueLayout.JAVA_INT, 0, SOCKADDR_CAPACITY);
                int fd = accept4 ? sys.accept4(dup, sa, len, acceptFlags) : sys.accept(dup, sa, len);
                if (fd >= 0) {
                    finish(fd, sa, len, into, buffers);
                    return true;
                }
                int errno = -fd;
                if (errno == eintr) {
                    continue;
                }
                if (errno == eagain) {
                    return false; // another thread (or the JDK's accept) took it
                }
                if (platform.isGone(errno)) {
                    if (++gone >= MAX_GONE_PER_CALL) {
                        return false;
                    }
                    continue;
                }
                throw platform.errno().exception(acceptCall, errno);
            }
        } finally {
            sys.close(dup); // our own duplicate: valid, and closing it cannot fail in a way that matters
        }
    }

    /** Makes the new fd non-blocking and close-on-exec where accept4 could not, and records it. */
    private void finish(int fd, MemorySegment sa, MemorySegment len, AcceptBuffer into, AcceptBufferAccess.Access buffers)
            throws IOException {
        try {
            if (!accept4) {
                int r = sys.fcntl(fd, platform.fSetfl(), platform.oNonblock());
                if (r < 0) {
                    throw platform.errno().exception("fcntl(F_SETFL, O_NONBLOCK)", -r);
                }
                r = sys.fcntl(fd, platform.fSetfd(), platform.fdCloexec());
                if (r < 0) {
                    throw platform.errno().exception("fcntl(F_SETFD, FD_CLOEXEC)", -r);
                }
            }
            int length = Math.min(len.get(ValueLayout.JAVA_INT, 0), SOCKADDR_CAPACITY);
            if (platform.codec().family(sa, length) == null) {
                throw new SocketException(acceptCall + " returned a peer address of an unknown family ("
                        + length + " bytes); the connection was closed");
            }
            buffers.complete(into, fd, length, platform.codec());
        } catch (Throwable t) {
            int r = sys.close(fd);
            if (r < 0) {
                t.addSuppressed(platform.errno().exception("close", -r));
            }
            throw t;
        }
    }

    /**
     * Duplicates the channel's fd with {@code F_DUPFD_CLOEXEC} and confirms the channel was still open
     * afterwards, which proves the duplicate is the channel's socket. The caller must close it.
     *
     * @throws ClosedChannelException if the channel is (or becomes) closed
     */
    public int duplicate(ServerSocketChannel ch, int n) throws IOException {
        int dup = sys.dupCloexec(n, platform.fDupfdCloexec());
        if (dup < 0) {
            if (!ch.isOpen()) {
                throw new ClosedChannelException();
            }
            throw platform.errno().exception("fcntl(F_DUPFD_CLOEXEC)", -dup);
        }
        if (!ch.isOpen()) {
            sys.close(dup);
            throw new ClosedChannelException();
        }
        return dup;
    }

    /**
     * Runs {@code op} on a transient duplicate of the channel's fd (for setsockopt and getsockopt).
     *
     * @return what {@code op} returned: a result, or {@code -errno} for the caller to map
     */
    public int onDuplicate(ServerSocketChannel ch, IntUnaryOperator op) throws IOException {
        int dup = duplicate(ch, fds.fdOf(ch));
        try {
            return op.applyAsInt(dup);
        } finally {
            sys.close(dup);
        }
    }

    /** Closes an fd handed out by accept. */
    public void close(int fd) throws IOException {
        if (fd < 0) {
            throw new IllegalArgumentException("fd must be >= 0, got " + fd);
        }
        int r = sys.close(fd);
        if (r < 0 && -r != eintr) { // after EINTR the fd is released on Linux; retrying could close another
            throw platform.errno().exception("close", -r);
        }
    }
}
