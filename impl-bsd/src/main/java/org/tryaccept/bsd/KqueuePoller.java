package org.tryaccept.bsd;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import org.tryaccept.ErrnoException;
import org.tryaccept.internal.ListenerFds;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.PollerBackend;

/**
 * {@link org.tryaccept.Poller} on FreeBSD and macOS: one kqueue, an {@code EVFILT_USER} knote for
 * {@link #wakeup()}, and the registrations of {@link KqueueRegistrations} (mapping, EEXIST/ENOENT).
 *
 * <p><b>Wake-up.</b> {@code EVFILT_USER} ident 0 (user idents are their own namespace, not fds),
 * registered {@code EV_ADD|EV_CLEAR} with udata {@link PollerBackend#RESERVED_TOKEN}; {@code wakeup()}
 * submits {@code NOTE_TRIGGER} for it (kqueue(2), EVFILT_USER). {@code EV_CLEAR} resets it once
 * reported, so any number of wake-ups before a {@code poll} are one entry, which {@link KqueueResults}
 * drops: {@code poll} returns the other entries, or 0.
 *
 * <p><b>Listeners.</b> A kqueue registration is removed when the fd number it was made through is
 * closed (kqueue(2)), so one made through a borrowed duplicate would vanish when the duplicate is
 * released: the registration has to be made on the JDK's own number {@code n}, which a concurrent
 * {@code close()} may close and the process may reuse for another file at any moment. The protocol
 * (all under this poller's lock, so no other registration of {@code n} in this kqueue can appear
 * meanwhile):
 * <ol>
 * <li>read {@code n} ({@link ListenerFds#fdOf}; ClosedChannelException if the channel is closed);</li>
 * <li>{@code kevent(EV_ADD)} on {@code n};</li>
 * <li>check {@code isOpen()} again. The JDK marks a channel closed before it closes its fd
 * ({@code AbstractInterruptibleChannel.close} sets the volatile {@code closed} flag, then calls
 * {@code implCloseChannel}), so a channel still open after the {@code kevent} returned had not closed
 * {@code n} before or during it: the knote is on the channel's socket. If it is closed, {@code n} may
 * have been closed and reused before the {@code kevent}: the change is undone with {@code EV_DELETE} on
 * {@code n} (which can only find the knote just made: nothing else registers {@code n} here while the
 * lock is held) and ClosedChannelException is thrown.</li>
 * </ol>
 * No duplicate is involved: holding one open would not stop the number from being closed and reused,
 * and the check in step 3 is what proves the number. The registration holds no reference of the
 * library's on the socket beyond the knote, which the JDK's {@code close()} of {@code n} removes; so the
 * port is released at once and no event is reported for the listener afterwards. {@code modify} and
 * {@code remove} of a listener act on {@code n} under the same check.
 *
 * <p><b>Threads.</b> Registration calls take the lock; {@code poll} and {@code wakeup} do not (kevent may
 * be called on one kqueue from several threads at once, and a change applies to a wait in progress).
 * The results are read by the polling thread only.
 */
final class KqueuePoller extends PollerBackend {
    /** EVFILT_USER ident of the wake-up. */
    static final long WAKEUP_IDENT = 0;

    private final KqueueSpec k;
    private final KqueueCalls calls;
    private final ListenerFds listeners;
    private final int kq;
    private final int maxEvents;
    private final KqueueResults results;
    /** kevent's output for waits; owned by the polling thread. */
    private final MemorySegment raw;
    /** struct timespec of the wait; owned by the polling thread. */
    private final MemorySegment timeout;
    /** A zeroed struct timespec: change-only calls never wait. Read-only after construction. */
    private final MemorySegment noWait;
    /** The NOTE_TRIGGER change: the kernel only reads a change list, so all threads share it. */
    private final MemorySegment trigger;

    /** The lock of every registration call, and what it guards. */
    private final KqueueRegistrations book;
    private final MemorySegment changes;
    private final MemorySegment receipts;

    /** Opens the kqueue and registers the wake-up; closes the kqueue if that fails. */
    KqueuePoller(KqueueSpec k, int maxEvents, ListenerFds listeners, KqueueCalls calls) throws IOException {
        this.k = k;
        this.calls = calls;
        this.listeners = listeners;
        this.maxEvents = maxEvents;
        this.book = new KqueueRegistrations(k);
        this.results = new KqueueResults(k, maxEvents);
        Arena arena = Arena.ofAuto();
        int size = k.layout().size;
        this.raw = arena.allocate((long) size * maxEvents, 8);
        this.timeout = arena.allocate(16, 8);
        this.noWait = arena.allocate(16, 8);
        this.trigger = arena.allocate(size, 8);
        this.changes = arena.allocate((long) size * KqueueRegistrations.MAX_CHANGES, 8);
        this.receipts = arena.allocate((long) size * KqueueRegistrations.MAX_CHANGES, 8);
        book.encodeTrigger(trigger, WAKEUP_IDENT);

        int fd = calls.kqueue();
        if (fd < 0) {
            throw k.errno().exception("kqueue", -fd);
        }
        this.kq = fd;
        synchronized (book) {
            book.encodeWakeupRegistration(changes, WAKEUP_IDENT, RESERVED_TOKEN);
            int r = calls.kevent(kq, changes, 1, receipts, 1, noWait);
            int e = r < 0 ? -r : book.errnoOf(receipts, 0);
            if (e != 0) {
                calls.close(kq);
                throw k.errno().exception("kevent(EVFILT_USER, EV_ADD)", e);
            }
        }
    }

    // ---- raw fds ----

    @Override
    public void add(int fd, int interest, long token) throws IOException {
        KqueueRegistrations.checkSupported(interest);
        synchronized (book) {
            KqueueRegistrations.Reg old = current(fd);
            if (old != null) {
                if (old.listener() != null) {
                    throw exception("kevent(EV_ADD)", Errno.EEXIST, "fd " + fd + " is a listener registered here");
                }
                probeStale(fd, old); // EEXIST if it is still registered
            }
            addNew(fd, interest, token, null);
        }
    }

    @Override
    public void modify(int fd, int interest, long token) throws IOException {
        KqueueRegistrations.checkSupported(interest);
        synchronized (book) {
            KqueueRegistrations.Reg old = current(fd);
            if (old == null) {
                throw k.errno().exception("kevent(EV_ADD)", k.enoent());
            }
            if (old.listener() != null) {
                throw exception("kevent(EV_ADD)", Errno.ENOENT,
                        "fd " + fd + " is registered as a listener: modify it through its channel");
            }
            replace(fd, old, interest, token);
        }
    }

    @Override
    public void remove(int fd) throws IOException {
        synchronized (book) {
            KqueueRegistrations.Reg old = current(fd);
            if (old == null) {
                throw k.errno().exception("kevent(EV_DELETE)", k.enoent());
            }
            if (old.listener() != null) {
                throw exception("kevent(EV_DELETE)", Errno.ENOENT,
                        "fd " + fd + " is registered as a listener: remove it through its channel");
            }
            book.remove(fd);
            int d = book.encodeDelete(changes, 0, fd, old.interest());
            apply(d);
            if (!book.wasAlive(old, receipts, 0, d)) {
                // closed without remove: the kernel dropped it (EBADF), or the number is another file now (ENOENT)
                throw k.errno().exception("kevent(EV_DELETE)", book.firstErrno(receipts, 0, d));
            }
        }
    }

    // ---- listeners, on the JDK's number ----

    @Override
    public void add(ServerSocketChannel listener, int interest, long token) throws IOException {
        int i = KqueueRegistrations.listenerInterest(interest);
        KqueueRegistrations.checkSupported(i);
        synchronized (book) {
            book.forgetClosedListeners();
            if (book.fdOf(listener) >= 0) {
                throw exception("kevent(EV_ADD)", Errno.EEXIST, "the listener is already registered here");
            }
            int n = listeners.fdOf(listener); // ClosedChannelException
            KqueueRegistrations.Reg old = book.get(n);
            if (old != null) {
                if (old.listener() != null) {
                    book.remove(n); // another channel that had n: it is closed, n is this listener's now
                } else {
                    probeStale(n, old);
                }
            }
            int a = book.encodeAdd(changes, 0, n, i, token);
            apply(a);
            if (!listener.isOpen()) {
                undoAdds(0, a);
                throw new ClosedChannelException();
            }
            int e = book.firstErrno(receipts, 0, a);
            if (e != 0) {
                undoAdds(0, a);
                throw k.errno().exception("kevent(EV_ADD)", e);
            }
            book.put(n, new KqueueRegistrations.Reg(i, token, listener));
        }
    }

    @Override
    public void modify(ServerSocketChannel listener, int interest, long token) throws IOException {
        int i = KqueueRegistrations.listenerInterest(interest);
        KqueueRegistrations.checkSupported(i);
        synchronized (book) {
            int n = registeredListener(listener, "kevent(EV_ADD)");
            KqueueRegistrations.Reg old = book.get(n);
            int d = book.encodeDelete(changes, 0, n, old.interest());
            int a = book.encodeAdd(changes, d, n, i, token);
            apply(d + a);
            if (!listener.isOpen()) {
                book.remove(n);
                undoAdds(d, a);
                throw new ClosedChannelException();
            }
            int e = book.firstErrno(receipts, d, a);
            if (e != 0) {
                undoAdds(d, a);
                restore(n, old);
                throw k.errno().exception("kevent(EV_ADD)", e);
            }
            book.put(n, new KqueueRegistrations.Reg(i, token, listener));
        }
    }

    @Override
    public void remove(ServerSocketChannel listener) throws IOException {
        synchronized (book) {
            int n = registeredListener(listener, "kevent(EV_DELETE)");
            KqueueRegistrations.Reg old = book.remove(n);
            int d = book.encodeDelete(changes, 0, n, old.interest());
            apply(d);
            if (!book.wasAlive(old, receipts, 0, d)) {
                if (!listener.isOpen()) {
                    throw new ClosedChannelException(); // closed meanwhile: the close removed it
                }
                throw k.errno().exception("kevent(EV_DELETE)", book.firstErrno(receipts, 0, d));
            }
        }
    }

    /** @return the number of a registered, open listener */
    private int registeredListener(ServerSocketChannel listener, String call) throws IOException {
        book.forgetClosedListeners();
        int n = book.fdOf(listener);
        if (n < 0) {
            if (!listener.isOpen()) {
                throw new ClosedChannelException();
            }
            throw k.errno().exception(call, k.enoent());
        }
        return n;
    }

    // ---- registration steps (caller holds the lock) ----

    /** @return the book's entry for {@code fd}, forgetting it if it is a listener that was closed */
    private KqueueRegistrations.Reg current(int fd) {
        KqueueRegistrations.Reg r = book.get(fd);
        if (r != null && r.listener() != null && !r.listener().isOpen()) {
            book.remove(fd);
            return null;
        }
        return r;
    }

    /**
     * The book has {@code old} for {@code fd}. Deletes its knotes: if any existed, it is registered: put
     * them back and throw EEXIST. If none did, the fd was closed without {@code remove} (its number now
     * being another file or none): forget the entry.
     */
    private void probeStale(int fd, KqueueRegistrations.Reg old) throws IOException {
        int d = book.encodeDelete(changes, 0, fd, old.interest());
        apply(d);
        if (book.anyApplied(receipts, 0, d)) {
            restore(fd, old);
            throw k.errno().exception("kevent(EV_ADD)", k.eexist());
        }
        book.remove(fd);
    }

    private void addNew(int fd, int interest, long token, ServerSocketChannel listener) throws IOException {
        int a = book.encodeAdd(changes, 0, fd, interest, token);
        apply(a);
        int e = book.firstErrno(receipts, 0, a);
        if (e != 0) {
            undoAdds(0, a); // all or nothing: e.g. EVFILT_WRITE refused while EVFILT_READ was taken
            throw k.errno().exception("kevent(EV_ADD)", e);
        }
        book.put(fd, new KqueueRegistrations.Reg(interest, token, listener));
    }

    /**
     * modify: one kevent call deletes the old knotes and adds the new ones (in order, kqueue(2)), so
     * the interest set becomes exactly the new one. Readiness is looked at afresh, as EPOLL_CTL_MOD does.
     */
    private void replace(int fd, KqueueRegistrations.Reg old, int interest, long token) throws IOException {
        int d = book.encodeDelete(changes, 0, fd, old.interest());
        int a = book.encodeAdd(changes, d, fd, interest, token);
        apply(d + a);
        if (!book.wasAlive(old, receipts, 0, d)) {
            // the fd was closed without remove: like epoll, ENOENT (number reused) or EBADF (not open)
            int e = book.firstErrno(receipts, 0, d);
            undoAdds(d, a);
            book.remove(fd);
            throw k.errno().exception("kevent(EV_ADD)", e);
        }
        int e = book.firstErrno(receipts, d, a);
        if (e != 0) {
            undoAdds(d, a);
            restore(fd, old);
            throw k.errno().exception("kevent(EV_ADD)", e);
        }
        book.put(fd, new KqueueRegistrations.Reg(interest, token, null));
    }

    /** Puts back a registration that was deleted; forgets it if that fails too. */
    private void restore(int fd, KqueueRegistrations.Reg old) throws IOException {
        int a = book.encodeAdd(changes, 0, fd, old.interest(), old.token());
        apply(a);
        if (book.firstErrno(receipts, 0, a) != 0) {
            undoAdds(0, a);
            book.remove(fd);
        }
    }

    /** Deletes what changes {@code [from, from + n)} added, by their receipts; errors ignored. */
    private void undoAdds(int from, int n) throws IOException {
        int u = book.encodeUndo(changes, receipts, from, n);
        if (u > 0) {
            apply(u);
        }
    }

    /**
     * Submits {@code n} changes with a receipt each ({@code nevents == nchanges}: no room for a pending
     * event, which would be consumed) and a zero timeout.
     */
    private void apply(int n) throws IOException {
        int r = calls.kevent(kq, changes, n, receipts, n, noWait);
        if (r < 0) {
            throw k.errno().exception("kevent", -r);
        }
        if (r != n) {
            throw new IOException("kevent returned " + r + " receipts for " + n + " changes");
        }
    }

    private ErrnoException exception(String call, Errno errno, String text) {
        return k.errno().exception(call, errno, errno.description() + ": " + text);
    }

    // ---- waiting ----

    @Override
    public int poll(long timeoutMillis) throws IOException {
        MemorySegment ts = MemorySegment.NULL;
        if (timeoutMillis >= 0) {
            timeout.set(JAVA_LONG, 0, timeoutMillis / 1000);                // tv_sec
            timeout.set(JAVA_LONG, 8, (timeoutMillis % 1000) * 1_000_000L); // tv_nsec
            ts = timeout;
        }
        int n = calls.kevent(kq, MemorySegment.NULL, 0, raw, maxEvents, ts);
        if (n < 0) {
            if (-n == k.eintr()) { // a signal ended the wait (kqueue(2), EINTR): report nothing
                return 0;
            }
            throw k.errno().exception("kevent", -n);
        }
        return results.collect(raw, n);
    }

    @Override
    public long token(int i) {
        return results.token(i);
    }

    @Override
    public int events(int i) {
        return results.events(i);
    }

    @Override
    public void wakeup() throws IOException {
        int r = calls.kevent(kq, trigger, 1, MemorySegment.NULL, 0, noWait);
        if (r < 0) {
            throw k.errno().exception("kevent(EVFILT_USER, NOTE_TRIGGER)", -r);
        }
    }

    /** Closing the kqueue drops every knote in it; the registered fds stay open (they are the caller's). */
    @Override
    public void close() throws IOException {
        synchronized (book) {
            book.clear();
        }
        calls.close(kq);
    }
}
