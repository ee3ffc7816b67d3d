package org.tryaccept.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.locks.ReentrantLock;
import org.tryaccept.spi.SockaddrCodec;

/**
 * The accept algorithm every FFM provider shares; only the {@link Platform} differs.
 *
 * <ol>
 * <li><b>Readiness first.</b> A failing accept4 costs microseconds on Linux (the kernel builds the new
 * socket before it looks at the queue). The provider's {@link Readiness} answers (Linux: an
 * {@code epoll_wait(.., 0)}); otherwise {@code poll(fd, POLLIN, 0)} on the JDK's fd number, harmless
 * on a recycled number. Either way the nothing-pending path is one system call and one volatile read,
 * with no allocation.</li>
 * <li><b>Borrow</b> the listener ({@link ListenerFds}) when something is pending, so the accept never
 * runs on a number a concurrent {@code close()} may have recycled; or, in the {@code jdk-acceptlock}
 * mode, <b>pin</b> it under the locks the JDK's own close waits for and accept on its own number.</li>
 * <li><b>Accept</b> with {@code SOCK_NONBLOCK|SOCK_CLOEXEC} (or accept then fcntl), retrying EINTR,
 * skipping connections that died in the queue, and closing the new fd if anything after it fails.</li>
 * </ol>
 */
public final class AcceptEngine {
    /** Connections that die in the queue are skipped; stop after this many in one call. */
    static final int MAX_GONE_PER_CALL = 1024;

    private final Platform platform;
    private final Syscalls sys;
    private final ListenerFds listeners;
    private final Readiness readiness;
    private final int eintr;
    private final int eagain;
    private final int pollin;
    private final int acceptFlags;
    private final boolean accept4;
    private final String acceptCall;

    /** @param readiness the OS's readiness check, or null to ask {@code poll} */
    public AcceptEngine(Platform platform, Syscalls sys, ListenerFds listeners, Readiness readiness) {
        this.platform = platform;
        this.sys = sys;
        this.listeners = listeners;
        this.readiness = readiness;
        this.eintr = platform.eintr();
        this.eagain = platform.eagain();
        this.pollin = platform.poll().pollin();
        this.acceptFlags = platform.accept().flags();
        this.accept4 = platform.accept().usesAccept4();
        this.acceptCall = platform.accept().call();
    }

    /** @return how the nothing-pending path asks the kernel, e.g. "epoll" or "poll" */
    public String readinessMode() {
        return readiness != null ? readiness.mode() : "poll";
    }

    /**
     * See {@link org.tryaccept.spi.ServerSocketsProvider#tryAccept}.
     *
     * @return the new fd, or -1 when nothing is pending
     */
    public int tryAccept(ServerSocketChannel ch, MemorySegment sa, MemorySegment len) throws IOException {
        int n = listeners.fdOf(ch);
        int revents = readiness != null ? readiness.check(ch, n) : Readiness.USE_POLL;
        if (revents == Readiness.USE_POLL) {
            while ((revents = sys.poll(n, pollin)) == -eintr) {
                // poll with timeout 0 is rarely interrupted; just ask again
            }
        }
        if (revents == 0) {
            if (!ch.isOpen()) {
                throw new ClosedChannelException();
            }
            return -1;
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
            return -1;
        }
        return acceptReady(ch, n, sa, len);
    }

    private int acceptReady(ServerSocketChannel ch, int n, MemorySegment sa, MemorySegment len) throws IOException {
        ReentrantLock acceptLock = listeners.acceptLock(ch);
        if (acceptLock != null) {
            return acceptPinned(ch, n, acceptLock, sa, len);
        }
        int borrowed = listeners.borrow(ch, n);
        try {
            if (ch.isBlocking()) {
                // Switched to blocking after ServerSockets checked: an accept now could block for ever.
                throw new IllegalBlockingModeException();
            }
            return acceptOn(borrowed, sa, len);
        } finally {
            listeners.release(borrowed);
        }
    }

    /**
     * The jdk-acceptlock mode: accept on the JDK's own number {@code n}, no duplicate. Holding
     * {@code blockingLock()} keeps the blocking mode (and the flag isBlocking() reads) fixed; holding
     * {@code acceptLock} makes the JDK's non-blocking close, and a Selector's deferred close
     * ({@code kill()}), wait before they close the fd (sun/nio/ch/ServerSocketChannelImpl.java:
     * implCloseNonBlockingMode, kill; see {@link AcceptLockFdAccess}). So once the channel is seen open
     * and non-blocking under both, {@code n} is its socket until the locks are released: the same
     * guarantee the JDK's own accept() relies on. Lock order as in configureBlocking: regLock, then
     * acceptLock.
     */
    private int acceptPinned(ServerSocketChannel ch, int n, ReentrantLock acceptLock, MemorySegment sa,
                             MemorySegment len) throws IOException {
        synchronized (ch.blockingLock()) {
            // Checked before acceptLock, and stable while blockingLock is held: a blocking channel's own
            // accept() holds acceptLock while it waits for a connection (ServerSocketChannelImpl.accept,
            // blockingAccept), so lock() could wait for ever; a non-blocking one holds it only for one
            // accept4, and no blocking accept can still be running (configureBlocking(false) took
            // acceptLock, after it, before the mode read here was written).
            if (ch.isBlocking()) {
                throw new IllegalBlockingModeException();
            }
            acceptLock.lock();
            try {
                if (!ch.isOpen()) {
                    throw new ClosedChannelException();
                }
                return acceptOn(n, sa, len);
            } finally {
                acceptLock.unlock();
            }
        }
    }

    /** accept4/accept on {@code fd}, which the caller has made safe to act on. */
    private int acceptOn(int fd, MemorySegment sa, MemorySegment len) throws IOException {
        int gone = 0;
        while (true) {
            len.set(ValueLayout.JAVA_INT, 0, SockaddrCodec.CAPACITY);
            int r = accept4 ? sys.accept4(fd, sa, len, acceptFlags) : sys.accept(fd, sa, len);
            if (r >= 0) {
                finish(r, sa, len);
                return r;
            }
            int errno = -r;
            if (errno == eintr) {
                continue;
            }
            if (errno == eagain) {
                return -1; // another thread (or the JDK's accept) took it
            }
            if (platform.isGone(errno)) {
                if (++gone >= MAX_GONE_PER_CALL) {
                    return -1;
                }
                continue;
            }
            throw platform.errno().exception(acceptCall, errno);
        }
    }

    /** Makes the new fd non-blocking and close-on-exec where accept4 could not, and checks its address. */
    private void finish(int fd, MemorySegment sa, MemorySegment len) throws IOException {
        try {
            if (!accept4) {
                Platform.Fcntl f = platform.fcntl();
                int r = sys.fcntl(fd, f.fSetfl(), f.oNonblock());
                if (r < 0) {
                    throw platform.errno().exception("fcntl(F_SETFL, O_NONBLOCK)", -r);
                }
                r = sys.fcntl(fd, f.fSetfd(), f.fdCloexec());
                if (r < 0) {
                    throw platform.errno().exception("fcntl(F_SETFD, FD_CLOEXEC)", -r);
                }
            }
            int length = Math.min(len.get(ValueLayout.JAVA_INT, 0), SockaddrCodec.CAPACITY);
            if (platform.codec().family(sa, length) == null) {
                throw new SocketException(acceptCall + " returned a peer address of an unknown family ("
                        + length + " bytes); the connection was closed");
            }
        } catch (Throwable t) {
            int r = sys.close(fd);
            if (r < 0) {
                t.addSuppressed(platform.errno().exception("close", -r));
            }
            throw t;
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
