package org.tryaccept.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.util.function.IntUnaryOperator;

/**
 * The fd-borrowing protocol: how the library acts on a JDK listener's socket without ever acting on a
 * number that a concurrent {@code close()} may have handed to another file.
 *
 * <p>The JDK's fd number ({@link #fdOf}) is only ever read by calls that are harmless on a recycled
 * number ({@code poll}). Everything else runs on a <b>borrowed</b> fd: {@code fcntl(F_DUPFD_CLOEXEC)}
 * of the number, then {@code isOpen()}. The JDK marks a channel closed before it closes the fd, so a
 * duplicate taken while the channel is still open is provably the channel's socket; the caller acts on
 * it and {@linkplain #release releases} it right after, so the user's {@code close()} still frees the
 * port at once.
 *
 * <p>In the {@code jdk-acceptlock} mode the accept path pins the channel instead (its
 * {@code blockingLock()} and private {@code acceptLock}, the locks the JDK's own close and
 * {@code configureBlocking} wait for) and acts on the number itself: no duplicate, two system calls
 * fewer per accepted connection. Everything else (options, epoll registration) still borrows.
 */
public final class ListenerFds {
    private final FdAccess access;
    private final Syscalls sys;
    private final int fDupfdCloexec;
    private final ErrnoTable errno;

    public ListenerFds(FdAccess access, Syscalls sys, Platform platform) {
        this.access = access;
        this.sys = sys;
        this.fDupfdCloexec = platform.fcntl().fDupfdCloexec();
        this.errno = platform.errno();
    }

    /** @return how the JDK's numbers are read: "jdk-acceptlock", "jdk-internal" or "discovery" */
    public String accessMode() {
        return access.mode();
    }

    /**
     * @return the channel's own accept lock when the fd-access mode allows acting on the JDK's number
     *         while holding it together with {@code ch.blockingLock()} (see {@link AcceptLockFdAccess}),
     *         else null: then {@link #borrow} a duplicate
     */
    public java.util.concurrent.locks.ReentrantLock acceptLock(ServerSocketChannel ch) {
        return access.acceptLock(ch);
    }

    /**
     * @return the JDK's fd number of {@code ch}: read it, never act on it (it may be recycled)
     * @throws ClosedChannelException if the channel is closed
     */
    public int fdOf(ServerSocketChannel ch) throws IOException {
        return access.fdOf(ch);
    }

    /**
     * Borrows the channel's socket: a close-on-exec duplicate of {@code n}, confirmed to be the
     * channel's own. The caller must {@link #release} it.
     *
     * @param n the channel's number, from {@link #fdOf}
     * @throws ClosedChannelException if the channel is (or becomes) closed
     */
    public int borrow(ServerSocketChannel ch, int n) throws IOException {
        int dup = sys.dupCloexec(n, fDupfdCloexec);
        if (dup < 0) {
            if (!ch.isOpen()) {
                throw new ClosedChannelException();
            }
            throw errno.exception("fcntl(F_DUPFD_CLOEXEC)", -dup);
        }
        if (!ch.isOpen()) {
            sys.close(dup);
            throw new ClosedChannelException();
        }
        return dup;
    }

    /** @see #borrow(ServerSocketChannel, int) */
    public int borrow(ServerSocketChannel ch) throws IOException {
        return borrow(ch, fdOf(ch));
    }

    /** Closes a borrowed fd: our own duplicate, so closing it cannot fail in a way that matters. */
    public void release(int borrowed) {
        sys.close(borrowed);
    }

    /**
     * Runs {@code op} on a borrowed fd of the channel (for setsockopt and getsockopt).
     *
     * @return what {@code op} returned: a result, or {@code -errno} for the caller to map
     */
    public int onBorrowed(ServerSocketChannel ch, IntUnaryOperator op) throws IOException {
        int fd = borrow(ch);
        try {
            return op.applyAsInt(fd);
        } finally {
            release(fd);
        }
    }
}
