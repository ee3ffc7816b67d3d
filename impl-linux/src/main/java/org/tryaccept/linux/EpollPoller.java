package org.tryaccept.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.tryaccept.Poller;
import org.tryaccept.internal.ListenerFds;
import org.tryaccept.internal.NativeBinder;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.spi.PollerBackend;

/**
 * {@link Poller} on Linux: one epoll instance, an eventfd for {@link #wakeup()}, and one small epoll
 * instance of our own per registered listener.
 *
 * <p><b>Wake-up.</b> An eventfd (eventfd(2), {@code EFD_CLOEXEC|EFD_NONBLOCK}) sits in the epoll set
 * under {@link PollerBackend#RESERVED_TOKEN}. {@code wakeup()} adds 1 to its counter; {@code poll}
 * drops its entry from the results and reads the counter, which resets it to 0, so several wake-ups
 * before a poll are used up by that poll.
 *
 * <p><b>Listeners.</b> An epoll registration belongs to the (open file, fd number) pair it was made
 * with and lives until the file is released (epoll(7), "Will closing a file descriptor cause it to be removed
 * from all epoll interest lists?"), so one made through a transient
 * duplicate of the JDK's fd could be neither modified nor removed once the duplicate is closed
 * ({@code EPOLL_CTL_MOD}/{@code DEL} name it by number). So each listener gets an <i>inner</i> epoll
 * instance: the listener is added to it through a borrowed fd ({@link ListenerFds}, which proves the
 * duplicate is the channel's socket), the borrowed fd is closed, and the inner epoll fd (ours) is what
 * sits in the poller's set under the user's token. The inner instance is readable while the listener
 * has a pending connection (epoll(7), "Is the epoll file descriptor itself poll/epoll/selectable?").
 * It holds no reference on the
 * socket, so the JDK's {@code close()} frees the port at once and the socket's entry leaves the inner
 * set by itself; the inner fd, now never ready, is closed by the next sweep (any call of this class
 * after the channel closed, {@code poll} included) or by {@link #close()}.
 */
final class EpollPoller extends PollerBackend {
    // int epoll_create1(int flags)   epoll_create(2)
    private static final MethodHandle CREATE = NativeBinder.bind("epoll_create1",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)   epoll_ctl(2)
    private static final MethodHandle CTL = NativeBinder.bind("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    // int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)   epoll_wait(2)
    private static final MethodHandle WAIT = NativeBinder.bind("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    // int eventfd(unsigned int initval, int flags)   eventfd(2)
    private static final MethodHandle EVENTFD = NativeBinder.bind("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    // ssize_t read/write(int fd, void *buf, size_t count), on the eventfd's 8-byte counter
    private static final MethodHandle READ = NativeBinder.bind("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = NativeBinder.bind("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    /** One struct epoll_event for epoll_ctl, and one counter for eventfd writes, per thread. */
    private static final ThreadLocal<MemorySegment> CTL_SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    private final ListenerFds listeners;
    private final Syscalls sys;
    private final int epfd;
    private final int wakeFd;
    private final int maxEvents;
    /** epoll_wait's output; reused, read in place by token(i)/events(i). */
    private final MemorySegment results;
    /** The eventfd counter read by the polling thread. */
    private final MemorySegment drained;

    /** Registered listeners and their inner epoll fds; guarded by itself. */
    private final List<Inner> inners = new ArrayList<>();
    private volatile int innerCount;

    private record Inner(ServerSocketChannel channel, int fd) {
    }

    /** Opens the epoll instance and the eventfd; closes what it opened if a later step fails. */
    EpollPoller(int maxEvents, ListenerFds listeners, Syscalls sys) throws IOException {
        this.listeners = listeners;
        this.sys = sys;
        this.maxEvents = maxEvents;
        Arena arena = Arena.ofAuto();
        this.results = arena.allocate((long) EpollLayout.EVENT_SIZE * maxEvents, 8);
        this.drained = arena.allocate(8, 8);
        this.epfd = createEpoll();
        int efd = -1;
        try {
            MemorySegment errno = NativeBinder.errnoSegment();
            efd = (int) EVENTFD.invokeExact(errno, 0, LinuxConstants.EFD_CLOEXEC | LinuxConstants.EFD_NONBLOCK);
            if (efd < 0) {
                throw LinuxConstants.ERRNO.exception("eventfd", NativeBinder.errno(errno));
            }
            ctl(epfd, LinuxConstants.EPOLL_CTL_ADD, efd, LinuxConstants.EPOLLIN, RESERVED_TOKEN, "EPOLL_CTL_ADD");
        } catch (Throwable t) {
            if (efd >= 0) {
                sys.close(efd);
            }
            sys.close(epfd);
            if (t instanceof IOException io) {
                throw io;
            }
            throw NativeBinder.rethrow(t);
        }
        this.wakeFd = efd;
    }

    // ---- raw fds ----

    @Override
    public void add(int fd, int interest, long token) throws IOException {
        sweep();
        ctl(epfd, LinuxConstants.EPOLL_CTL_ADD, fd, toEpoll(interest), token, "EPOLL_CTL_ADD");
    }

    @Override
    public void modify(int fd, int interest, long token) throws IOException {
        sweep();
        ctl(epfd, LinuxConstants.EPOLL_CTL_MOD, fd, toEpoll(interest), token, "EPOLL_CTL_MOD");
    }

    @Override
    public void remove(int fd) throws IOException {
        sweep();
        ctl(epfd, LinuxConstants.EPOLL_CTL_DEL, fd, 0, 0, "EPOLL_CTL_DEL");
    }

    // ---- listeners, through an inner epoll each ----

    @Override
    public void add(ServerSocketChannel listener, int interest, long token) throws IOException {
        synchronized (inners) {
            sweepLocked();
            if (find(listener) >= 0) {
                throw LinuxConstants.ERRNO.exception("epoll_ctl(EPOLL_CTL_ADD)", LinuxConstants.EEXIST);
            }
            int inner = createEpoll();
            try {
                int borrowed = listeners.borrow(listener); // ClosedChannelException once closed
                try {
                    ctl(inner, LinuxConstants.EPOLL_CTL_ADD, borrowed, LinuxConstants.EPOLLIN, 0, "EPOLL_CTL_ADD");
                } finally {
                    listeners.release(borrowed); // the inner registration stays: the file is still open
                }
                ctl(epfd, LinuxConstants.EPOLL_CTL_ADD, inner, toEpollListener(interest), token, "EPOLL_CTL_ADD");
            } catch (Throwable t) {
                sys.close(inner);
                throw t;
            }
            inners.add(new Inner(listener, inner));
            innerCount = inners.size();
        }
    }

    @Override
    public void modify(ServerSocketChannel listener, int interest, long token) throws IOException {
        synchronized (inners) {
            sweepLocked();
            int i = find(listener);
            if (i < 0) {
                throw notRegistered(listener, "EPOLL_CTL_MOD");
            }
            ctl(epfd, LinuxConstants.EPOLL_CTL_MOD, inners.get(i).fd(), toEpollListener(interest), token,
                    "EPOLL_CTL_MOD");
        }
    }

    @Override
    public void remove(ServerSocketChannel listener) throws IOException {
        synchronized (inners) {
            sweepLocked();
            int i = find(listener);
            if (i < 0) {
                throw notRegistered(listener, "EPOLL_CTL_DEL");
            }
            // Closing our inner fd, the only reference to it, also takes it out of the poller's set
            // (epoll(7), as above): one call instead of EPOLL_CTL_DEL plus close.
            sys.close(inners.remove(i).fd());
            innerCount = inners.size();
        }
    }

    /** The sweep has run: a channel not in the list is unknown here, or closed (its inner is gone). */
    private IOException notRegistered(ServerSocketChannel listener, String op) {
        if (!listener.isOpen()) {
            return new ClosedChannelException();
        }
        return LinuxConstants.ERRNO.exception("epoll_ctl(" + op + ")", LinuxConstants.ENOENT);
    }

    private int find(ServerSocketChannel listener) {
        for (int i = 0; i < inners.size(); i++) {
            if (inners.get(i).channel() == listener) {
                return i;
            }
        }
        return -1;
    }

    /** Closes the inner epoll fds of listeners that were closed; cheap when there are none. */
    private void sweep() {
        if (innerCount > 0) {
            synchronized (inners) {
                sweepLocked();
            }
        }
    }

    private void sweepLocked() {
        for (int i = inners.size() - 1; i >= 0; i--) {
            Inner in = inners.get(i);
            if (!in.channel().isOpen()) {
                sys.close(in.fd());
                inners.remove(i);
            }
        }
        innerCount = inners.size();
    }

    // ---- waiting ----

    @Override
    public int poll(long timeoutMillis) throws IOException {
        MemorySegment errno = NativeBinder.errnoSegment();
        int n;
        try {
            n = (int) WAIT.invokeExact(errno, epfd, results, maxEvents, (int) timeoutMillis);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
        if (n < 0) {
            int e = NativeBinder.errno(errno);
            if (e == LinuxConstants.EINTR) { // a signal ended the wait (epoll_wait(2)): report nothing
                return 0;
            }
            throw LinuxConstants.ERRNO.exception("epoll_wait", e);
        }
        for (int i = 0; i < n; i++) {
            long offset = (long) i * EpollLayout.EVENT_SIZE;
            if (results.get(JAVA_LONG_UNALIGNED, offset + EpollLayout.DATA_OFFSET) == RESERVED_TOKEN) {
                drainWakeups();
                // the eventfd is in the set once, so it is in the results at most once: close the gap
                MemorySegment.copy(results, offset + EpollLayout.EVENT_SIZE, results, offset,
                        (long) (n - i - 1) * EpollLayout.EVENT_SIZE);
                n--;
                break;
            }
        }
        sweep();
        return n;
    }

    private void drainWakeups() {
        try {
            // a non-blocking read of the counter returns it and resets it to 0 (eventfd(2)); EAGAIN
            // (already 0) is fine too
            long ignored = (long) READ.invokeExact(NativeBinder.errnoSegment(), wakeFd, drained, 8L);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    @Override
    public long token(int i) {
        return results.get(JAVA_LONG_UNALIGNED, (long) i * EpollLayout.EVENT_SIZE + EpollLayout.DATA_OFFSET);
    }

    @Override
    public int events(int i) {
        int e = results.get(JAVA_INT_UNALIGNED, (long) i * EpollLayout.EVENT_SIZE + EpollLayout.EVENTS_OFFSET);
        int r = 0;
        if ((e & LinuxConstants.EPOLLIN) != 0) {
            r |= Poller.READABLE;
        }
        if ((e & LinuxConstants.EPOLLOUT) != 0) {
            r |= Poller.WRITABLE;
        }
        if ((e & (LinuxConstants.EPOLLRDHUP | LinuxConstants.EPOLLHUP)) != 0) {
            r |= Poller.HANGUP;
        }
        if ((e & LinuxConstants.EPOLLERR) != 0) {
            r |= Poller.ERROR;
        }
        return r;
    }

    @Override
    public void wakeup() throws IOException {
        MemorySegment one = CTL_SCRATCH.get();
        one.set(JAVA_LONG, 0, 1L);
        MemorySegment errno = NativeBinder.errnoSegment();
        long r;
        try {
            r = (long) WRITE.invokeExact(errno, wakeFd, one, 8L);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
        // EAGAIN: the counter is at its maximum, so a wake-up is pending anyway (eventfd(2))
        if (r < 0 && NativeBinder.errno(errno) != LinuxConstants.EAGAIN) {
            throw LinuxConstants.ERRNO.exception("write(eventfd)", NativeBinder.errno(errno));
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (inners) {
            for (Inner in : inners) {
                sys.close(in.fd());
            }
            inners.clear();
            innerCount = 0;
        }
        sys.close(wakeFd);
        sys.close(epfd);
    }

    // ---- interest mapping and epoll_ctl ----

    /**
     * READABLE asks for EPOLLRDHUP too, so that a peer's close is reported as HANGUP; every
     * registration asks for it, since HANGUP is always reported. Except with EPOLLEXCLUSIVE, which
     * Linux accepts only with EPOLLIN, EPOLLOUT, EPOLLWAKEUP and EPOLLET (epoll_ctl(2), EINVAL).
     */
    static int toEpoll(int interest) {
        boolean exclusive = (interest & Poller.EXCLUSIVE) != 0;
        int ev = exclusive ? LinuxConstants.EPOLLEXCLUSIVE : LinuxConstants.EPOLLRDHUP;
        if ((interest & Poller.READABLE) != 0) {
            ev |= LinuxConstants.EPOLLIN;
        }
        if ((interest & Poller.WRITABLE) != 0) {
            ev |= LinuxConstants.EPOLLOUT;
        }
        if ((interest & Poller.EDGE_TRIGGERED) != 0) {
            ev |= LinuxConstants.EPOLLET;
        }
        if ((interest & Poller.ONE_SHOT) != 0) {
            ev |= LinuxConstants.EPOLLONESHOT;
        }
        return ev;
    }

    /** An inner epoll fd is only ever readable: no EPOLLRDHUP, no EPOLLEXCLUSIVE (Poller refuses it). */
    private static int toEpollListener(int interest) {
        return toEpoll(interest) & ~LinuxConstants.EPOLLRDHUP;
    }

    private int createEpoll() throws IOException {
        MemorySegment errno = NativeBinder.errnoSegment();
        int fd;
        try {
            fd = (int) CREATE.invokeExact(errno, LinuxConstants.EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
        if (fd < 0) {
            throw LinuxConstants.ERRNO.exception("epoll_create1", NativeBinder.errno(errno));
        }
        return fd;
    }

    private static void ctl(int ep, int op, int fd, int events, long data, String opName) throws IOException {
        MemorySegment event = CTL_SCRATCH.get();
        event.set(JAVA_INT_UNALIGNED, EpollLayout.EVENTS_OFFSET, events);
        event.set(JAVA_LONG_UNALIGNED, EpollLayout.DATA_OFFSET, data);
        MemorySegment errno = NativeBinder.errnoSegment();
        int r;
        try {
            r = (int) CTL.invokeExact(errno, ep, op, fd, event);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
        if (r < 0) {
            throw LinuxConstants.ERRNO.exception("epoll_ctl(" + opName + ")", NativeBinder.errno(errno));
        }
    }
}
