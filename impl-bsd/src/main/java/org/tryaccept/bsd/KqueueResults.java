package org.tryaccept.bsd;

import java.lang.foreign.MemorySegment;
import org.tryaccept.Poller;

/**
 * Turns the {@code struct kevent}s one {@code kevent} wait returned into the Poller's
 * (token, readiness) entries, without allocating:
 * <ul>
 * <li>the wake-up ({@code EVFILT_USER}) entry is dropped: a wake-up is never reported as a token;</li>
 * <li>an fd registered for reading and writing has two knotes (one per filter, kqueue(2)); when both
 * fire in the same wait, their entries become one, with both readiness bits, as epoll reports them.
 * Entries are merged when ident and udata (the token) are equal. Two filters that fire in different
 * waits are two entries in two polls;</li>
 * <li>readiness: {@code EVFILT_READ} is READABLE, {@code EVFILT_WRITE} WRITABLE; {@code EV_EOF} (the
 * peer shut its side down, or the connection is gone) is HANGUP; {@code EV_ERROR}, or {@code EV_EOF}
 * with a socket error in {@code fflags} (kqueue(2), EVFILT_READ/EVFILT_WRITE on sockets), is ERROR.</li>
 * </ul>
 * Not thread-safe: owned by the polling thread.
 */
final class KqueueResults {
    private final KqueueSpec k;
    private final long[] idents;
    private final long[] tokens;
    private final int[] events;
    /** Open-addressing index ident -> entry, valid where {@code stamps[h] == generation}. */
    private final int[] slots;
    private final int[] stamps;
    private final int mask;
    private int generation;
    private int count;

    KqueueResults(KqueueSpec k, int maxEvents) {
        this.k = k;
        this.idents = new long[maxEvents];
        this.tokens = new long[maxEvents];
        this.events = new int[maxEvents];
        int tableSize = Integer.highestOneBit(Math.max(2, maxEvents) * 2 - 1) << 1; // power of two >= 2 * max
        this.slots = new int[tableSize];
        this.stamps = new int[tableSize];
        this.mask = tableSize - 1;
    }

    /**
     * Reads {@code n} entries of {@code raw} ({@code n <=} the maxEvents given at construction).
     *
     * @return the number of (token, readiness) entries, available through {@link #token}/{@link #events}
     */
    int collect(MemorySegment raw, int n) {
        KeventLayout layout = k.layout();
        if (++generation == 0) { // wrapped after 2^32 polls: forget every stamp
            java.util.Arrays.fill(stamps, 0);
            generation = 1;
        }
        count = 0;
        for (int i = 0; i < n; i++) {
            short filter = layout.filter(raw, i);
            if (filter == k.evfiltUser()) {
                continue; // the wake-up
            }
            long ident = layout.ident(raw, i);
            long token = layout.udata(raw, i);
            int ready = readiness(k, filter, layout.flags(raw, i), layout.fflags(raw, i));
            int h = hash(ident) & mask;
            while (true) {
                if (stamps[h] != generation) {
                    stamps[h] = generation;
                    slots[h] = count;
                    idents[count] = ident;
                    tokens[count] = token;
                    events[count] = ready;
                    count++;
                    break;
                }
                int j = slots[h];
                if (idents[j] == ident && tokens[j] == token) {
                    events[j] |= ready;
                    break;
                }
                h = (h + 1) & mask;
            }
        }
        return count;
    }

    long token(int i) {
        return tokens[i];
    }

    int events(int i) {
        return events[i];
    }

    /** @return the Poller readiness bits of one returned kevent */
    static int readiness(KqueueSpec k, short filter, int flags, int fflags) {
        int r = 0;
        if (filter == k.evfiltRead()) {
            r |= Poller.READABLE;
        } else if (filter == k.evfiltWrite()) {
            r |= Poller.WRITABLE;
        }
        if ((flags & k.evEof()) != 0) {
            r |= Poller.HANGUP;
            if (fflags != 0) { // the socket error (kqueue(2): "fflags contains the socket error")
                r |= Poller.ERROR;
            }
        }
        if ((flags & k.evError()) != 0) {
            r |= Poller.ERROR;
        }
        return r;
    }

    private static int hash(long ident) {
        long h = ident * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32);
    }
}
