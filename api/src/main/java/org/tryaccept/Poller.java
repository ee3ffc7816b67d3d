package org.tryaccept;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.atomic.AtomicLong;
import org.tryaccept.spi.PollerBackend;

/**
 * An event poller for raw file descriptors (those {@link ServerSockets#tryAccept} hands out, or any
 * socket, pipe or eventfd) and for JDK listeners: epoll on Linux, kqueue on FreeBSD and macOS. It is
 * the companion that makes an accepted fd usable from Java, together with {@link SocketIo}.
 *
 * <pre>{@code
 * try (Poller poller = Poller.open();
 *      ServerSocketChannel listener = ServerSocketChannel.open()) {
 *     listener.bind(new InetSocketAddress("127.0.0.1", 8080)).configureBlocking(false);
 *     poller.add(listener, Poller.READABLE, -1);               // token -1: the listener
 *     ByteBuffer buf = ByteBuffer.allocateDirect(4096);
 *     while (true) {
 *         int n = poller.poll(-1);
 *         for (int i = 0; i < n; i++) {
 *             long token = poller.token(i);
 *             if (token == -1) {                                // drain the listener
 *                 Optional<Accepted> c;
 *                 while ((c = ServerSockets.tryAccept(listener)).isPresent()) {
 *                     poller.add(c.get().fd(), Poller.READABLE, c.get().fd());
 *                 }
 *             } else {                                          // token = the connection's fd
 *                 int fd = (int) token;
 *                 buf.clear();
 *                 int r = SocketIo.read(fd, buf);
 *                 if (r < 0 || (poller.events(i) & Poller.ERROR) != 0) {
 *                     SocketIo.close(fd);                       // also leaves the poller
 *                 } else if (r > 0) {
 *                     SocketIo.write(fd, buf.flip());           // echo
 *                 }
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Interest</b> is {@link #READABLE} and/or {@link #WRITABLE}, or-ed with at most the options
 * {@link #EDGE_TRIGGERED}, {@link #ONE_SHOT} and {@link #EXCLUSIVE}. <b>Readiness</b>
 * ({@link #events}) is {@code READABLE}, {@code WRITABLE}, {@link #HANGUP} (the peer closed its side)
 * and {@link #ERROR}; the last two are always reported. A <b>token</b> is any {@code long} except
 * {@link Long#MIN_VALUE}, which the poller keeps for its own wake-up.
 *
 * <p><b>Threads.</b> One thread polls at a time (a second one gets {@link IllegalStateException});
 * {@code add}, {@code modify}, {@code remove} and {@link #wakeup()} may be called from any thread, also
 * while {@code poll} waits. {@link #close()} from another thread makes a waiting {@code poll} return 0;
 * every call after {@code close()} throws {@link IllegalStateException}, and the poller never makes a
 * system call on a descriptor number of its own after it released it.
 *
 * <p><b>Listeners.</b> {@link #add(ServerSocketChannel, int, long)} follows the same rules as
 * {@code tryAccept}: it never acts on a recycled fd number, the channel's {@code close()} releases
 * the port at once, and the registration then disappears by itself. On Linux the listener sits in a
 * small epoll instance of the library's own, nested in the poller (one fd per registered listener,
 * released by {@code remove}, by {@code close()}, or on a later call after the channel closed). On
 * FreeBSD and macOS the kqueue registration is made on the JDK's own fd number (kqueue drops a
 * registration when the number it was made through is closed, so a duplicate cannot carry it), and is
 * kept only if the channel is still open after the {@code kevent} call returned: the JDK marks a channel
 * closed before it closes its fd, so the number was the channel's during the call; otherwise it is
 * deleted again and {@code ClosedChannelException} is thrown. The channel's {@code close()} then
 * removes the registration itself, and nothing the library holds keeps the socket open (the
 * tryaccept-bsd README, "Poller on kqueue").
 *
 * @since 0.1
 */
public final class Poller implements AutoCloseable {
    /** Interest and readiness: data can be read, or a listener has a pending connection. */
    public static final int READABLE = 1;
    /** Interest and readiness: data can be written. */
    public static final int WRITABLE = 1 << 1;
    /** Readiness, always reported: the peer closed its side (EPOLLRDHUP/EPOLLHUP, EV_EOF). */
    public static final int HANGUP = 1 << 2;
    /** Readiness, always reported: an error is pending on the fd (EPOLLERR; on kqueue EV_ERROR, or EV_EOF with a socket error). */
    public static final int ERROR = 1 << 3;
    /** Option: report a readiness change once (EPOLLET, EV_CLEAR), not as long as it lasts. */
    public static final int EDGE_TRIGGERED = 1 << 8;
    /**
     * Option: report once, then disable the registration until {@code modify} (EPOLLONESHOT, EV_ONESHOT).
     * On kqueue each filter fires once on its own (READABLE and WRITABLE may come in two polls), and a
     * fired registration is gone from the kernel, so an {@code add} of that fd succeeds instead of EEXIST.
     */
    public static final int ONE_SHOT = 1 << 9;
    /**
     * Option (Linux only, EPOLLEXCLUSIVE, {@code add} only): when several pollers wait on the same fd,
     * wake one of them. The peer's close then shows as READABLE and a read of -1, not as HANGUP:
     * Linux refuses EPOLLRDHUP together with EPOLLEXCLUSIVE (epoll_ctl(2), EINVAL).
     */
    public static final int EXCLUSIVE = 1 << 10;

    /** The default of {@link #open()}. */
    private static final int DEFAULT_MAX_EVENTS = 256;

    private static final int INTEREST_BITS = READABLE | WRITABLE | EDGE_TRIGGERED | ONE_SHOT | EXCLUSIVE;
    private static final int ALWAYS_REPORTED = HANGUP | ERROR;

    // The state word orders close() against every other call without a lock: the low bits count the
    // calls in progress (add/modify/remove/wakeup/close), POLLING marks the one thread in poll,
    // CLOSED is set once by close(), FREED once by whoever sees the last call leave after close().
    private static final long CLOSED = 1L << 62;
    private static final long POLLING = 1L << 61;
    private static final long FREED = 1L << 60;

    private final PollerBackend backend;
    private final AtomicLong state = new AtomicLong();
    private int ready; // events of the last poll; written and read by the polling thread

    private Poller(PollerBackend backend) {
        this.backend = backend;
    }

    /** Opens a poller that reports up to 256 events per {@link #poll}. */
    public static Poller open() throws IOException {
        return open(DEFAULT_MAX_EVENTS);
    }

    /**
     * Opens a poller.
     *
     * @param maxEventsPerPoll the most events one {@link #poll} reports, {@code >= 1}; more stay
     *                         pending for the next poll
     * @throws IllegalArgumentException      if {@code maxEventsPerPoll < 1}
     * @throws UnsupportedOperationException if the provider of this OS has no poller
     */
    public static Poller open(int maxEventsPerPoll) throws IOException {
        if (maxEventsPerPoll < 1) {
            throw new IllegalArgumentException("maxEventsPerPoll must be >= 1, got " + maxEventsPerPoll);
        }
        return new Poller(ServerSockets.provider().openPoller(maxEventsPerPoll));
    }

    /**
     * Registers a file descriptor.
     *
     * @throws ErrnoException                if the OS refuses, e.g. {@code EEXIST} when {@code fd} is
     *                                       already registered, {@code EBADF} when it is not open
     * @throws IllegalArgumentException      on a negative fd, unknown interest bits or token
     *                                       {@link Long#MIN_VALUE}
     * @throws UnsupportedOperationException for an option this OS lacks ({@link #EXCLUSIVE} on kqueue)
     * @throws IllegalStateException         if the poller is closed
     */
    public void add(int fd, int interest, long token) throws IOException {
        int i = checkInterest(interest);
        checkFd(fd);
        checkToken(token);
        enter();
        try {
            backend.add(fd, i, token);
        } finally {
            exit();
        }
    }

    /**
     * Replaces the interest and token of a registered fd (also re-arms a {@link #ONE_SHOT} one).
     *
     * @throws ErrnoException if the OS refuses, e.g. {@code ENOENT} when {@code fd} is not registered
     * @see #add(int, int, long)
     */
    public void modify(int fd, int interest, long token) throws IOException {
        int i = checkInterest(interest);
        checkFd(fd);
        checkToken(token);
        enter();
        try {
            backend.modify(fd, i, token);
        } finally {
            exit();
        }
    }

    /**
     * Unregisters a file descriptor. Closing it ({@link SocketIo#close}) also removes it.
     *
     * @throws ErrnoException if the OS refuses, e.g. {@code ENOENT} when {@code fd} is not registered
     * @throws IllegalStateException if the poller is closed
     */
    public void remove(int fd) throws IOException {
        checkFd(fd);
        enter();
        try {
            backend.remove(fd);
        } finally {
            exit();
        }
    }

    /**
     * Registers a listener: it is reported {@link #READABLE} while a connection is pending. Never acts
     * on a recycled fd number; the channel's {@code close()} still releases the port at once and ends
     * the registration (no event is reported for it afterwards).
     *
     * @throws ClosedChannelException        if the listener is closed, also concurrently
     * @throws IllegalArgumentException      if it is not a channel of the JDK's default provider
     * @throws NullPointerException          if it is null
     * @throws ErrnoException                {@code EEXIST} if it is already registered here
     * @throws UnsupportedOperationException for {@link #EXCLUSIVE}, which a listener registration
     *                                       cannot honour on every OS
     * @see #add(int, int, long)
     */
    public void add(ServerSocketChannel listener, int interest, long token) throws IOException {
        int i = checkListenerInterest(interest);
        checkToken(token);
        ServerSockets.checkListener(listener);
        enter();
        try {
            backend.add(listener, i, token);
        } finally {
            exit();
        }
    }

    /**
     * Replaces a registered listener's interest and token, e.g. to stop and resume accepting during
     * an {@code EMFILE} back-off.
     *
     * @throws ClosedChannelException if the listener is closed
     * @throws ErrnoException         {@code ENOENT} if it is not registered here
     * @see #add(ServerSocketChannel, int, long)
     */
    public void modify(ServerSocketChannel listener, int interest, long token) throws IOException {
        int i = checkListenerInterest(interest);
        checkToken(token);
        ServerSockets.checkListener(listener);
        enter();
        try {
            backend.modify(listener, i, token);
        } finally {
            exit();
        }
    }

    /**
     * Unregisters a listener.
     *
     * @throws ClosedChannelException if the listener is closed (its registration is gone already)
     * @throws ErrnoException         {@code ENOENT} if it is not registered here
     */
    public void remove(ServerSocketChannel listener) throws IOException {
        ServerSockets.checkListener(listener);
        enter();
        try {
            backend.remove(listener);
        } finally {
            exit();
        }
    }

    /**
     * Waits for events; read them with {@link #token}/{@link #events}. Allocates nothing.
     *
     * @param timeoutMillis -1 waits until an event, a {@link #wakeup()} or a {@link #close()};
     *                      0 never waits
     * @return the number of events, 0 on timeout, after a wake-up, a close from another thread, or an
     *         interrupted wait (EINTR)
     * @throws IllegalArgumentException if {@code timeoutMillis < -1}
     * @throws IllegalStateException    if the poller is closed, or another thread is in {@code poll}
     */
    public int poll(long timeoutMillis) throws IOException {
        if (timeoutMillis < -1) {
            throw new IllegalArgumentException("timeoutMillis must be -1 (forever) or >= 0, got " + timeoutMillis);
        }
        long s;
        do {
            s = state.get();
            if ((s & CLOSED) != 0) {
                throw closed();
            }
            if ((s & POLLING) != 0) {
                throw new IllegalStateException("another thread is in poll() of this Poller");
            }
        } while (!state.compareAndSet(s, s | POLLING));
        ready = 0;
        int n;
        try {
            n = backend.poll(Math.min(timeoutMillis, Integer.MAX_VALUE));
        } finally {
            long after = state.updateAndGet(x -> x & ~POLLING);
            if (after == CLOSED) {
                free();
            }
        }
        if ((state.get() & CLOSED) != 0) {
            return 0; // closed while waiting: the results belong to a released poller
        }
        ready = n;
        return n;
    }

    /**
     * @param i {@code 0 <= i <} the result of the last {@link #poll}
     * @return the token of event {@code i}
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     * @throws IllegalStateException     if the poller is closed
     */
    public long token(int i) {
        checkResult(i);
        return backend.token(i);
    }

    /**
     * @param i {@code 0 <= i <} the result of the last {@link #poll}
     * @return the readiness of event {@code i}: {@link #READABLE}, {@link #WRITABLE}, {@link #HANGUP},
     *         {@link #ERROR}
     * @throws IndexOutOfBoundsException if {@code i} is out of range
     * @throws IllegalStateException     if the poller is closed
     */
    public int events(int i) {
        checkResult(i);
        return backend.events(i);
    }

    /**
     * Makes the current {@link #poll} return 0, or the next one if no thread waits. Several wake-ups
     * before a {@code poll} are used up by that one {@code poll}. Callable from any thread.
     *
     * @throws IllegalStateException if the poller is closed
     */
    public void wakeup() throws IOException {
        enter();
        try {
            backend.wakeup();
        } finally {
            exit();
        }
    }

    /**
     * Closes the poller and every descriptor it opened; the fds registered in it stay open (they are
     * the caller's). A second call does nothing. If another thread is in {@link #poll}, that poll
     * returns 0 and the poller's own descriptors are released as it leaves.
     */
    @Override
    public void close() throws IOException {
        long s;
        do {
            s = state.get();
            if ((s & CLOSED) != 0) {
                return;
            }
        } while (!state.compareAndSet(s, (s | CLOSED) + 1)); // counted as a call: wakeup() below is one
        try {
            if ((s & POLLING) != 0) {
                backend.wakeup();
            }
        } finally {
            exit();
        }
    }

    private void enter() {
        long s;
        do {
            s = state.get();
            if ((s & CLOSED) != 0) {
                throw closed();
            }
        } while (!state.compareAndSet(s, s + 1));
    }

    private void exit() throws IOException {
        if (state.decrementAndGet() == CLOSED) {
            free();
        }
    }

    /** Releases the backend once: closed, no call in progress, nobody polling. */
    private void free() throws IOException {
        if (state.compareAndSet(CLOSED, CLOSED | FREED)) {
            backend.close();
        }
    }

    private void checkResult(int i) {
        if ((state.get() & CLOSED) != 0) {
            throw closed();
        }
        if (i < 0 || i >= ready) {
            throw new IndexOutOfBoundsException("event " + i + " of " + ready);
        }
    }

    private static IllegalStateException closed() {
        return new IllegalStateException("Poller is closed");
    }

    private static void checkFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd must be >= 0, got " + fd);
        }
    }

    private static void checkToken(long token) {
        if (token == PollerBackend.RESERVED_TOKEN) {
            throw new IllegalArgumentException("token Long.MIN_VALUE is reserved for the Poller's wake-up");
        }
    }

    /** @return the interest without the always-reported bits, which are accepted and ignored */
    private static int checkInterest(int interest) {
        int i = interest & ~ALWAYS_REPORTED;
        if ((i & ~INTEREST_BITS) != 0) {
            throw new IllegalArgumentException("unknown interest bits 0x" + Integer.toHexString(i & ~INTEREST_BITS));
        }
        return i;
    }

    private static int checkListenerInterest(int interest) {
        int i = checkInterest(interest);
        if ((i & EXCLUSIVE) != 0) {
            throw new UnsupportedOperationException("EXCLUSIVE is not supported for listeners: use one listener "
                    + "per poller with SO_REUSEPORT to spread connections");
        }
        return i;
    }
}
