package org.tryaccept.bsd;

import java.lang.foreign.MemorySegment;
import java.nio.channels.ServerSocketChannel;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.tryaccept.Poller;

/**
 * What a {@link KqueuePoller} has registered, and the kevent change lists that register it. No system
 * calls here: the poller makes them, under its lock, and asks this class what to send and what the
 * answers mean. Not thread-safe.
 *
 * <p><b>Why a book.</b> kqueue's {@code EV_ADD} adds or silently modifies, and its registrations are
 * per (ident, filter) (kqueue(2)), while the Poller contract is epoll's: a second {@code add} is
 * EEXIST, a {@code modify} or {@code remove} of an fd that is not registered is ENOENT. The book says
 * which fds this poller registered, with which interest and token.
 *
 * <p><b>Why the book alone is not enough.</b> Closing an fd removes its knotes (kqueue(2): "Calling
 * close() on a file descriptor will remove any kevents that reference the descriptor"), so an fd closed
 * without {@code remove} leaves a stale book entry, and its number is soon reused (every accepted
 * connection reuses numbers). The kernel is asked in those cases: {@code EV_DELETE} of a knote that does
 * not exist fails with ENOENT (or EBADF when the number is not open), so deleting what the book says is
 * there tells a live registration from a stale one. Every registration therefore has at least one
 * knote: an interest without READABLE and WRITABLE is a disabled ({@code EV_DISABLE}) EVFILT_READ knote,
 * which reports nothing but disappears with the fd like any other.
 *
 * <p><b>Mapping.</b> READABLE is {@code EVFILT_READ}, WRITABLE {@code EVFILT_WRITE}, each
 * {@code EV_ADD}, plus {@code EV_CLEAR} for EDGE_TRIGGERED and {@code EV_ONESHOT} for ONE_SHOT (per
 * filter: a one-shot read+write registration is two one-shot knotes, each firing once). EXCLUSIVE has
 * no kqueue counterpart: {@link UnsupportedOperationException}. Every change carries
 * {@code EV_RECEIPT}, so that each one gets its own result entry ({@code EV_ERROR}, {@code data} = 0 or
 * the errno) and a failed change never hides the fate of the others (kqueue(2), EV_RECEIPT).
 */
final class KqueueRegistrations {
    /** At most: delete two old filters, add two new ones. */
    static final int MAX_CHANGES = 4;

    /** One registration: the Poller interest (options included), its token, the channel for a listener. */
    record Reg(int interest, long token, ServerSocketChannel listener) {
        boolean oneShot() {
            return (interest & Poller.ONE_SHOT) != 0;
        }
    }

    private final KqueueSpec k;
    private final Map<Integer, Reg> byFd = new HashMap<>();
    private final Map<ServerSocketChannel, Integer> listenerFds = new IdentityHashMap<>();

    KqueueRegistrations(KqueueSpec k) {
        this.k = k;
    }

    // ---- the book ----

    Reg get(int fd) {
        return byFd.get(fd);
    }

    void put(int fd, Reg reg) {
        Reg old = byFd.put(fd, reg);
        if (old != null && old.listener() != null) {
            listenerFds.remove(old.listener());
        }
        if (reg.listener() != null) {
            listenerFds.put(reg.listener(), fd);
        }
    }

    Reg remove(int fd) {
        Reg old = byFd.remove(fd);
        if (old != null && old.listener() != null) {
            listenerFds.remove(old.listener());
        }
        return old;
    }

    /** @return the JDK fd number a listener was registered with, or -1 */
    int fdOf(ServerSocketChannel listener) {
        Integer fd = listenerFds.get(listener);
        return fd == null ? -1 : fd;
    }

    int size() {
        return byFd.size();
    }

    int listenerCount() {
        return listenerFds.size();
    }

    /**
     * Forgets listeners whose channel is closed: the JDK's {@code close()} closed their number, and
     * with it the knotes (kqueue(2), close()).
     */
    void forgetClosedListeners() {
        if (listenerFds.isEmpty()) {
            return;
        }
        listenerFds.entrySet().removeIf(e -> {
            if (e.getKey().isOpen()) {
                return false;
            }
            byFd.remove(e.getValue());
            return true;
        });
    }

    void clear() {
        byFd.clear();
        listenerFds.clear();
    }

    // ---- change lists ----

    /**
     * @throws UnsupportedOperationException for EXCLUSIVE
     */
    static void checkSupported(int interest) {
        if ((interest & Poller.EXCLUSIVE) != 0) {
            throw new UnsupportedOperationException("EXCLUSIVE has no kqueue counterpart (kqueue(2) has no"
                    + " exclusive wake-up); use one listener per poller with SO_REUSEPORT_LB/SO_REUSEPORT instead");
        }
    }

    /** A listener is only ever readable: WRITABLE is dropped, as the inner epoll does on Linux. */
    static int listenerInterest(int interest) {
        return interest & ~Poller.WRITABLE;
    }

    /** @return the filters of an interest: READ and/or WRITE, or a disabled READ when neither */
    private boolean hasRead(int interest) {
        return (interest & Poller.READABLE) != 0 || (interest & Poller.WRITABLE) == 0;
    }

    private static boolean hasWrite(int interest) {
        return (interest & Poller.WRITABLE) != 0;
    }

    /** The {@code flags} of the {@code EV_ADD} change of each filter of {@code interest}. */
    int addFlags(int interest) {
        checkSupported(interest);
        int flags = k.evAdd() | k.evReceipt();
        if ((interest & Poller.EDGE_TRIGGERED) != 0) {
            flags |= k.evClear();
        }
        if ((interest & Poller.ONE_SHOT) != 0) {
            flags |= k.evOneshot();
        }
        if ((interest & (Poller.READABLE | Poller.WRITABLE)) == 0) {
            flags |= k.evDisable(); // the placeholder knote
        }
        return flags;
    }

    /**
     * Writes the {@code EV_ADD} changes of a registration at entry {@code at} of {@code changes}.
     *
     * @return the number of entries written (1 or 2): READ first, then WRITE
     */
    int encodeAdd(MemorySegment changes, int at, int fd, int interest, long token) {
        int flags = addFlags(interest);
        int n = 0;
        if (hasRead(interest)) {
            k.layout().set(changes, at + n++, fd, k.evfiltRead(), flags, 0, 0, token);
        }
        if (hasWrite(interest)) {
            k.layout().set(changes, at + n++, fd, k.evfiltWrite(), flags, 0, 0, token);
        }
        return n;
    }

    /**
     * Writes the {@code EV_DELETE} changes of a registration with {@code interest}.
     *
     * @return the number of entries written (1 or 2)
     */
    int encodeDelete(MemorySegment changes, int at, int fd, int interest) {
        int flags = k.evDelete() | k.evReceipt();
        int n = 0;
        if (hasRead(interest)) {
            k.layout().set(changes, at + n++, fd, k.evfiltRead(), flags, 0, 0, 0);
        }
        if (hasWrite(interest)) {
            k.layout().set(changes, at + n++, fd, k.evfiltWrite(), flags, 0, 0, 0);
        }
        return n;
    }

    /** The single change that fires the wake-up: {@code EVFILT_USER} with {@code NOTE_TRIGGER}. */
    void encodeTrigger(MemorySegment changes, long ident) {
        k.layout().set(changes, 0, ident, k.evfiltUser(), 0, k.noteTrigger(), 0, 0);
    }

    /**
     * The wake-up registration: {@code EVFILT_USER}, {@code EV_ADD|EV_CLEAR} (so that a delivery resets
     * it, and several triggers before a wait are one event), udata the reserved token.
     */
    void encodeWakeupRegistration(MemorySegment changes, long ident, long token) {
        k.layout().set(changes, 0, ident, k.evfiltUser(), k.evAdd() | k.evClear() | k.evReceipt(), 0, 0, token);
    }

    // ---- receipts ----

    /** @return the errno of receipt {@code i} (0: the change was applied) */
    int errnoOf(MemorySegment receipts, int i) {
        if ((k.layout().flags(receipts, i) & k.evError()) == 0) {
            return 0; // not a receipt: cannot happen with nevents == nchanges and EV_RECEIPT on every change
        }
        return (int) k.layout().data(receipts, i);
    }

    /** @return true if any of receipts {@code [from, from + n)} reports success */
    boolean anyApplied(MemorySegment receipts, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (errnoOf(receipts, i) == 0) {
                return true;
            }
        }
        return false;
    }

    /** @return the first errno among receipts {@code [from, from + n)}, or 0 if all were applied */
    int firstErrno(MemorySegment receipts, int from, int n) {
        for (int i = from; i < from + n; i++) {
            int e = errnoOf(receipts, i);
            if (e != 0) {
                return e;
            }
        }
        return 0;
    }

    /** @return true if every one of receipts {@code [from, from + n)} failed with {@code errno} */
    boolean allFailedWith(MemorySegment receipts, int from, int n, int errno) {
        for (int i = from; i < from + n; i++) {
            if (errnoOf(receipts, i) != errno) {
                return false;
            }
        }
        return true;
    }

    /**
     * Did the registration {@code old} still exist, judging by the receipts of deleting it? Yes if any
     * of its knotes was deleted. A ONE_SHOT registration whose knotes all fired is gone from the kernel
     * (EV_ONESHOT deletes a knote once it is reported, kqueue(2)) but alive for the Poller, which, like
     * epoll's EPOLLONESHOT, keeps it until {@code modify} re-arms it or {@code remove} drops it: ENOENT
     * counts as alive for it.
     */
    boolean wasAlive(Reg old, MemorySegment receipts, int from, int n) {
        return anyApplied(receipts, from, n) || (old.oneShot() && allFailedWith(receipts, from, n, k.enoent()));
    }

    /**
     * Rewrites the applied {@code EV_ADD}s among changes {@code [from, from + n)} into {@code EV_DELETE}s
     * at the start of {@code changes}, to undo them.
     *
     * @return the number of undo changes written
     */
    int encodeUndo(MemorySegment changes, MemorySegment receipts, int from, int n) {
        KeventLayout l = k.layout();
        int u = 0;
        for (int i = from; i < from + n; i++) {
            if (errnoOf(receipts, i) == 0) {
                long ident = l.ident(changes, i);
                short filter = l.filter(changes, i);
                l.set(changes, u++, ident, filter, k.evDelete() | k.evReceipt(), 0, 0, 0);
            }
        }
        return u;
    }
}
