package org.tryaccept.bsd;

import static org.tryaccept.bsd.Expected.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A model of kqueue(2) for FreeBSD or macOS, on top of the real Linux kernel, for running
 * {@link KqueuePoller} here. It is written from kqueue(2), not from the poller: it reads the change list
 * with the offsets and numbers of {@link Expected} (a wrong layout or constant in the poller fails
 * here), keeps knotes per (ident, filter), and answers with BSD errno numbers:
 * <ul>
 * <li>{@code EV_ADD} adds or modifies (udata, EV_CLEAR, EV_ONESHOT; EV_DISABLE disables); {@code EV_DELETE}
 * of a missing knote is ENOENT; an fd filter on a number that is not open is EBADF;</li>
 * <li>{@code EV_RECEIPT}, or an error with room in the event list, produces an {@code EV_ERROR} entry
 * with {@code data} = errno, and then the call returns without waiting; an error without room fails
 * the call;</li>
 * <li>closing an fd removes its knotes: a knote remembers which file its number named
 * ({@code /proc/self/fd} link), and is dropped once the number is closed or names another file;</li>
 * <li>readiness comes from the real Linux {@code poll} on the fd: EVFILT_READ on POLLIN/POLLHUP/POLLRDHUP,
 * EV_EOF on POLLRDHUP/POLLHUP; EVFILT_WRITE on POLLOUT, EV_EOF on POLLHUP/POLLERR; fflags carries
 * ECONNRESET on POLLERR. EV_CLEAR reports a readiness once until it goes away (a simplification: the
 * kernel reports again when more data arrives); EV_ONESHOT deletes the knote once reported;</li>
 * <li>{@code EVFILT_USER}: NOTE_TRIGGER marks it; it is reported once and reset (EV_CLEAR);</li>
 * <li>{@code timeout}: NULL waits forever, otherwise a struct timespec.</li>
 * </ul>
 * Not modelled: data counts, NOTE_LOWAT, filters other than READ/WRITE/USER.
 */
final class KqueueOnLinux implements KqueueCalls {
    private static final int LINUX_POLLIN = 0x1;
    private static final int LINUX_POLLOUT = 0x4;
    private static final int LINUX_POLLERR = 0x8;
    private static final int LINUX_POLLHUP = 0x10;
    private static final int LINUX_POLLRDHUP = 0x2000;

    private final boolean freebsd;
    private final int size;
    private final short user;
    private final Map<String, Integer> errnos;

    private final class Knote {
        final long ident;
        final short filter;
        final String file;
        long udata;
        boolean clear;
        boolean oneshot;
        boolean disabled;
        boolean reported; // EV_CLEAR: reported since it last became ready
        boolean triggered; // EVFILT_USER

        Knote(long ident, short filter, String file) {
            this.ident = ident;
            this.filter = filter;
            this.file = file;
        }
    }

    private final Map<String, Knote> knotes = new LinkedHashMap<>();
    private int kq = -1;
    /** Every change applied, as "ident/filter/flags", for assertions. */
    final List<String> changes = new ArrayList<>();
    /** Runs inside kevent, after the changes were read and before they are applied (race tests). */
    volatile Consumer<long[]> beforeChange;

    private KqueueOnLinux(boolean freebsd) {
        this.freebsd = freebsd;
        this.size = freebsd ? FREEBSD_KEVENT_SIZE : MACOS_KEVENT_SIZE;
        this.user = freebsd ? FREEBSD_EVFILT_USER : MACOS_EVFILT_USER;
        this.errnos = freebsd ? FREEBSD_ERRNO : MACOS_ERRNO;
    }

    static KqueueOnLinux freebsd() {
        return new KqueueOnLinux(true);
    }

    static KqueueOnLinux macos() {
        return new KqueueOnLinux(false);
    }

    private int errno(String name) {
        return errnos.get(name);
    }

    /** @return what the number names now ("socket:[inode]"...), or null if it is not open */
    static String fileOf(long fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return null;
        }
    }

    synchronized int knoteCount(long ident) {
        dropClosed();
        int n = 0;
        for (Knote k : knotes.values()) {
            if (k.ident == ident && k.filter != user) {
                n++;
            }
        }
        return n;
    }

    synchronized List<String> changes() {
        return List.copyOf(changes);
    }

    @Override
    public int kqueue() {
        // a real fd number, so that close works and numbers are taken as on the real system
        int fd = TestSupport.LINUX_CALLS.dupCloexec(1, LINUX_F_DUPFD_CLOEXEC);
        kq = fd;
        return fd;
    }

    @Override
    public int close(int fd) {
        if (fd == kq) {
            synchronized (this) {
                knotes.clear();
            }
        }
        return TestSupport.LINUX_CALLS.close(fd);
    }

    private static String key(long ident, short filter) {
        return ident + "/" + filter;
    }

    private void dropClosed() {
        knotes.values().removeIf(k -> k.filter != user && !k.file.equals(fileOf(k.ident)));
    }

    @Override
    public int kevent(int kqfd, MemorySegment changelist, int nchanges, MemorySegment eventlist, int nevents,
                      MemorySegment timeout) {
        if (kqfd != kq) {
            return -errno("EBADF");
        }
        Consumer<long[]> hook = beforeChange;
        if (hook != null && nchanges > 0) {
            hook.accept(new long[] {get64(changelist, 0, KEVENT_IDENT)});
        }
        int out = 0;
        synchronized (this) {
            dropClosed();
            for (int i = 0; i < nchanges; i++) {
                long ident = get64(changelist, i, KEVENT_IDENT);
                short filter = changelist.get(ValueLayout.JAVA_SHORT_UNALIGNED, (long) i * size + KEVENT_FILTER);
                int flags = changelist.get(ValueLayout.JAVA_SHORT_UNALIGNED, (long) i * size + KEVENT_FLAGS) & 0xFFFF;
                int fflags = changelist.get(ValueLayout.JAVA_INT_UNALIGNED, (long) i * size + KEVENT_FFLAGS);
                long udata = get64(changelist, i, KEVENT_UDATA);
                if (freebsd) {
                    for (int x = 0; x < 4; x++) {
                        if (get64(changelist, i, FREEBSD_KEVENT_EXT + 8 * x) != 0) {
                            throw new AssertionError("ext[" + x + "] not zeroed");
                        }
                    }
                }
                changes.add(ident + "/" + filter + "/0x" + Integer.toHexString(flags));
                int error = apply(ident, filter, flags, fflags, udata);
                if (error != 0 || (flags & EV_RECEIPT) != 0) {
                    if (out >= nevents) {
                        return -error; // no room: the call fails (kqueue(2))
                    }
                    write(eventlist, out++, ident, filter, EV_ERROR, 0, error, udata);
                }
            }
        }
        if (out > 0 || nevents == 0) {
            return out;
        }
        long deadline = Long.MAX_VALUE;
        if (timeout.address() != 0) {
            MemorySegment ts = timeout;
            if (ts.byteSize() < TIMESPEC_SIZE) {
                throw new AssertionError("timeout is not a struct timespec: " + ts.byteSize() + " bytes");
            }
            long nanos = ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
            deadline = System.nanoTime() + nanos;
        }
        synchronized (this) {
            while (true) {
                int n = scan(eventlist, nevents);
                if (n > 0 || System.nanoTime() >= deadline) {
                    return n;
                }
                try {
                    wait(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -errno("EINTR");
                }
            }
        }
    }

    private int apply(long ident, short filter, int flags, int fflags, long udata) {
        int known = EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE | EV_ONESHOT | EV_CLEAR | EV_RECEIPT;
        if ((flags & ~known) != 0) {
            return errno("EINVAL");
        }
        if (filter != EVFILT_READ && filter != EVFILT_WRITE && filter != user) {
            return errno("EINVAL");
        }
        String file = filter == user ? "user" : fileOf(ident);
        if (file == null) {
            return errno("EBADF");
        }
        String key = key(ident, filter);
        Knote k = knotes.get(key);
        if ((flags & EV_DELETE) != 0) {
            return knotes.remove(key) == null ? errno("ENOENT") : 0;
        }
        if ((flags & EV_ADD) != 0) {
            if (k == null) {
                k = new Knote(ident, filter, file);
                knotes.put(key, k);
            }
            k.udata = udata;
            k.clear = (flags & EV_CLEAR) != 0;
            k.oneshot = (flags & EV_ONESHOT) != 0;
        } else if (k == null) {
            return errno("ENOENT");
        }
        if ((flags & EV_DISABLE) != 0) {
            k.disabled = true;
        }
        if ((flags & EV_ENABLE) != 0) {
            k.disabled = false;
        }
        if (filter == user && (fflags & NOTE_TRIGGER) != 0) {
            k.triggered = true;
            notifyAll();
        }
        return 0;
    }

    private int scan(MemorySegment eventlist, int nevents) {
        dropClosed();
        int n = 0;
        for (Iterator<Knote> it = knotes.values().iterator(); it.hasNext() && n < nevents; ) {
            Knote k = it.next();
            if (k.disabled) {
                continue;
            }
            boolean ready;
            int flags = 0;
            int fflags = 0;
            if (k.filter == user) {
                ready = k.triggered;
                if (ready && k.clear) {
                    k.triggered = false;
                }
            } else {
                int re = TestSupport.LINUX_CALLS.poll((int) k.ident, LINUX_POLLIN | LINUX_POLLOUT | LINUX_POLLRDHUP);
                if (re < 0) {
                    re = 0;
                }
                if (k.filter == EVFILT_READ) {
                    ready = (re & (LINUX_POLLIN | LINUX_POLLHUP | LINUX_POLLRDHUP | LINUX_POLLERR)) != 0;
                    if ((re & (LINUX_POLLRDHUP | LINUX_POLLHUP)) != 0) {
                        flags |= EV_EOF;
                    }
                } else {
                    ready = (re & (LINUX_POLLOUT | LINUX_POLLHUP | LINUX_POLLERR)) != 0;
                    if ((re & (LINUX_POLLHUP | LINUX_POLLERR)) != 0) {
                        flags |= EV_EOF;
                    }
                }
                if ((re & LINUX_POLLERR) != 0) {
                    fflags = errno("ECONNRESET");
                }
                if (k.clear) {
                    if (!ready) {
                        k.reported = false;
                    } else if (k.reported) {
                        ready = false;
                    } else {
                        k.reported = true;
                    }
                }
            }
            if (ready) {
                write(eventlist, n++, k.ident, k.filter, flags | (k.clear ? EV_CLEAR : 0), fflags, 0, k.udata);
                if (k.oneshot) {
                    it.remove();
                }
            }
        }
        return n;
    }

    private long get64(MemorySegment s, int i, int offset) {
        return s.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * size + offset);
    }

    private void write(MemorySegment s, int i, long ident, short filter, int flags, int fflags, long data, long udata) {
        long o = (long) i * size;
        s.asSlice(o, size).fill((byte) 0);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, o + KEVENT_IDENT, ident);
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED, o + KEVENT_FILTER, filter);
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED, o + KEVENT_FLAGS, (short) flags);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, o + KEVENT_FFLAGS, fflags);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, o + KEVENT_DATA, data);
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, o + KEVENT_UDATA, udata);
    }
}
