package org.tryaccept.spi;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;

/**
 * One OS's event poller behind {@link org.tryaccept.Poller}, opened by
 * {@link ServerSocketsProvider#openPoller(int)}. Interest and readiness are the {@code Poller}
 * constants ({@link org.tryaccept.Poller#READABLE} ...), never OS bits.
 *
 * <p>{@code Poller} has already done everything that is the same on every OS before it calls a
 * backend: arguments are checked (fd {@code >= 0}, only known interest bits, a JDK listener that was
 * open at the time of the check, a token other than {@link #RESERVED_TOKEN}); at most one thread is in
 * {@link #poll} at a time; and {@link #close} is called exactly once, after every other call has
 * returned, so a backend never runs a system call on a closed number of its own. Everything else may
 * be called from several threads at once, also while {@link #poll} waits, and must be thread-safe.
 *
 * <p>Errors the OS reports are {@link org.tryaccept.ErrnoException}s naming the errno
 * ({@code EEXIST} for a second add, {@code ENOENT} for a modify or remove of an fd that is not
 * registered); a listener closed concurrently is {@link java.nio.channels.ClosedChannelException}.
 *
 * @since 0.1
 */
public abstract class PollerBackend {

    /**
     * The one token value users cannot register: a backend may use it for its own wake-up
     * registration (an eventfd on Linux), so a wake-up is never mistaken for a user's event.
     */
    public static final long RESERVED_TOKEN = Long.MIN_VALUE;

    /** For subclasses. */
    protected PollerBackend() {
    }

    /** Registers {@code fd} under {@code token}. */
    public abstract void add(int fd, int interest, long token) throws IOException;

    /** Replaces the interest and token of a registered {@code fd}. */
    public abstract void modify(int fd, int interest, long token) throws IOException;

    /** Unregisters {@code fd}. */
    public abstract void remove(int fd) throws IOException;

    /**
     * Registers a listener without ever acting on a file descriptor number the channel no longer owns;
     * the registration must not keep the listening socket open, and must disappear when the channel
     * is closed. A listener is reported {@link org.tryaccept.Poller#READABLE} when a connection is
     * pending.
     */
    public abstract void add(ServerSocketChannel listener, int interest, long token) throws IOException;

    /** Replaces a registered listener's interest and token. */
    public abstract void modify(ServerSocketChannel listener, int interest, long token) throws IOException;

    /** Unregisters a listener. */
    public abstract void remove(ServerSocketChannel listener) throws IOException;

    /**
     * Waits for events and stores them for {@link #token}/{@link #events}; must not allocate on the
     * steady path.
     *
     * @param timeoutMillis -1 waits until an event or a {@link #wakeup}, 0 never waits; at most
     *                      {@link Integer#MAX_VALUE}
     * @return the number of events stored; 0 on timeout, after a wake-up or an interrupted wait
     *         (EINTR). Wake-ups are never among the events.
     */
    public abstract int poll(long timeoutMillis) throws IOException;

    /** @return the token of event {@code i} of the last {@link #poll}, {@code 0 <= i < n} */
    public abstract long token(int i);

    /** @return the readiness bits of event {@code i} of the last {@link #poll} */
    public abstract int events(int i);

    /**
     * Makes the current {@link #poll} return, or the next one if none waits. Several wake-ups before a
     * {@code poll} are used up by that one {@code poll}.
     */
    public abstract void wakeup() throws IOException;

    /** Releases everything the backend holds; called once. */
    public abstract void close() throws IOException;
}
