package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;
import static org.tryaccept.bsd.Expected.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.tryaccept.Poller;

/**
 * struct kevent encoding and decoding on hand-built byte fixtures (little-endian, offsets from
 * {@link Expected}, never from {@link KeventLayout}), for both OSes: change entries, receipts, wait
 * results (two filters of one fd merged, the EVFILT_USER wake-up dropped), and the interest to
 * filter/flags mapping for every option combination.
 */
class KeventCodecTest {

    /** One OS under test: its spec, and its hand-transcribed size and EVFILT_USER. */
    record Os(String name, KqueueSpec spec, int size, short user) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Os> oses() {
        return List.of(new Os("FreeBSD", FreeBsdConstants.kqueue(true), FREEBSD_KEVENT_SIZE, FREEBSD_EVFILT_USER),
                new Os("macOS", MacOsConstants.kqueue(), MACOS_KEVENT_SIZE, MACOS_EVFILT_USER));
    }

    /** A struct kevent array written byte by byte, the way the C compiler lays it out (little-endian). */
    static final class Fixture {
        final ByteBuffer b;
        final int size;

        Fixture(int size, int entries) {
            this.size = size;
            this.b = ByteBuffer.allocate(size * entries).order(ByteOrder.LITTLE_ENDIAN);
        }

        Fixture entry(int i, long ident, short filter, int flags, int fflags, long data, long udata) {
            int o = i * size;
            b.putLong(o + KEVENT_IDENT, ident);
            b.putShort(o + KEVENT_FILTER, filter);
            b.putShort(o + KEVENT_FLAGS, (short) flags);
            b.putInt(o + KEVENT_FFLAGS, fflags);
            b.putLong(o + KEVENT_DATA, data);
            b.putLong(o + KEVENT_UDATA, udata);
            return this;
        }

        byte[] bytes() {
            return b.array();
        }

        MemorySegment segment() {
            MemorySegment s = Arena.ofAuto().allocate(b.capacity(), 8);
            MemorySegment.copy(bytes(), 0, s, ValueLayout.JAVA_BYTE, 0, b.capacity());
            return s;
        }
    }

    private static MemorySegment dirty(int bytes) {
        MemorySegment s = Arena.ofAuto().allocate(bytes, 8);
        s.fill((byte) 0xAA); // encoding must zero what it does not set (ext on FreeBSD)
        return s;
    }

    private static void assertBytes(byte[] expected, MemorySegment actual, int length) {
        assertEquals(HexFormat.of().formatHex(expected),
                HexFormat.of().formatHex(actual.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE)));
    }

    @ParameterizedTest
    @MethodSource("oses")
    void addChangesForReadAndWrite(Os os) {
        KqueueRegistrations r = new KqueueRegistrations(os.spec());
        MemorySegment changes = dirty(os.size() * 4);
        long token = 0x1122334455667788L;
        int n = r.encodeAdd(changes, 1, 5, Poller.READABLE | Poller.WRITABLE | Poller.EDGE_TRIGGERED, token);
        assertEquals(2, n);
        int flags = EV_ADD | EV_RECEIPT | EV_CLEAR; // 0x61
        Fixture f = new Fixture(os.size(), 2)
                .entry(0, 5, EVFILT_READ, flags, 0, 0, token)
                .entry(1, 5, EVFILT_WRITE, flags, 0, 0, token);
        assertBytes(f.bytes(), changes.asSlice(os.size()), 2 * os.size());
        // spot checks of the raw bytes: filter -1 is ff ff at offset 8, flags 0x61 at 10, udata at 24
        assertEquals((byte) 0xff, changes.get(ValueLayout.JAVA_BYTE, os.size() + 8));
        assertEquals((byte) 0x61, changes.get(ValueLayout.JAVA_BYTE, os.size() + 10));
        assertEquals((byte) 0x88, changes.get(ValueLayout.JAVA_BYTE, os.size() + 24));
        assertEquals((byte) 0xAA, changes.get(ValueLayout.JAVA_BYTE, 0), "entry 0 untouched");
    }

    @ParameterizedTest
    @MethodSource("oses")
    void deleteChangesAndWakeup(Os os) {
        KqueueRegistrations r = new KqueueRegistrations(os.spec());
        MemorySegment changes = dirty(os.size() * 2);
        assertEquals(1, r.encodeDelete(changes, 0, 9, Poller.WRITABLE | Poller.ONE_SHOT));
        assertBytes(new Fixture(os.size(), 1).entry(0, 9, EVFILT_WRITE, EV_DELETE | EV_RECEIPT, 0, 0, 0).bytes(),
                changes, os.size());

        r.encodeWakeupRegistration(changes, 0, Long.MIN_VALUE);
        assertBytes(new Fixture(os.size(), 1).entry(0, 0, os.user(), EV_ADD | EV_CLEAR | EV_RECEIPT, 0, 0,
                Long.MIN_VALUE).bytes(), changes, os.size());

        r.encodeTrigger(changes, 0);
        assertBytes(new Fixture(os.size(), 1).entry(0, 0, os.user(), 0, NOTE_TRIGGER, 0, 0).bytes(), changes, os.size());
    }

    @ParameterizedTest
    @MethodSource("oses")
    void resultsMergeFiltersAndDropTheWakeup(Os os) {
        Fixture f = new Fixture(os.size(), 6)
                .entry(0, 7, EVFILT_READ, EV_EOF, 0, 12, 42)        // fd 7 readable, peer closed
                .entry(1, 0, os.user(), EV_CLEAR, NOTE_TRIGGER, 0, Long.MIN_VALUE) // the wake-up
                .entry(2, 9, EVFILT_READ, EV_EOF, 54, 0, 43)        // fd 9 reset: ECONNRESET in fflags
                .entry(3, 7, EVFILT_WRITE, 0, 0, 1000, 42)          // fd 7 writable: merged with entry 0
                .entry(4, 11, EVFILT_WRITE, 0, 0, 1000, 44)
                .entry(5, 13, EVFILT_READ, EV_ERROR, 0, 9, 45);     // an error entry
        KqueueResults results = new KqueueResults(os.spec(), 6);
        assertEquals(4, results.collect(f.segment(), 6));
        assertEquals(42, results.token(0));
        assertEquals(Poller.READABLE | Poller.WRITABLE | Poller.HANGUP, results.events(0));
        assertEquals(43, results.token(1));
        assertEquals(Poller.READABLE | Poller.HANGUP | Poller.ERROR, results.events(1));
        assertEquals(44, results.token(2));
        assertEquals(Poller.WRITABLE, results.events(2));
        assertEquals(45, results.token(3));
        assertEquals(Poller.READABLE | Poller.ERROR, results.events(3));

        // the next poll starts afresh: fd 7 again is a new entry, not merged with the last poll's
        Fixture g = new Fixture(os.size(), 2).entry(0, 0, os.user(), 0, 0, 0, Long.MIN_VALUE)
                .entry(1, 7, EVFILT_WRITE, 0, 0, 0, 42);
        assertEquals(1, results.collect(g.segment(), 2));
        assertEquals(Poller.WRITABLE, results.events(0));
        // only the wake-up: nothing to report
        assertEquals(0, results.collect(new Fixture(os.size(), 1).entry(0, 0, os.user(), 0, 0, 0, Long.MIN_VALUE)
                .segment(), 1));
    }

    @ParameterizedTest
    @MethodSource("oses")
    void sameIdentDifferentTokenIsNotMerged(Os os) {
        Fixture f = new Fixture(os.size(), 2).entry(0, 7, EVFILT_READ, 0, 0, 0, 1).entry(1, 7, EVFILT_WRITE, 0, 0, 0, 2);
        KqueueResults results = new KqueueResults(os.spec(), 2);
        assertEquals(2, results.collect(f.segment(), 2));
    }

    @Test
    void manyDistinctFdsFillTheResults() {
        KqueueSpec k = FreeBsdConstants.kqueue(true);
        int max = 256;
        Fixture f = new Fixture(FREEBSD_KEVENT_SIZE, max);
        for (int i = 0; i < max; i++) {
            f.entry(i, 1000 + i / 2, i % 2 == 0 ? EVFILT_READ : EVFILT_WRITE, 0, 0, 0, 1000 + i / 2);
        }
        KqueueResults results = new KqueueResults(k, max);
        assertEquals(max / 2, results.collect(f.segment(), max));
        for (int i = 0; i < max / 2; i++) {
            assertEquals(1000 + i, results.token(i));
            assertEquals(Poller.READABLE | Poller.WRITABLE, results.events(i));
        }
    }

    @ParameterizedTest
    @MethodSource("oses")
    void receipts(Os os) {
        KqueueRegistrations r = new KqueueRegistrations(os.spec());
        MemorySegment rc = new Fixture(os.size(), 3)
                .entry(0, 5, EVFILT_READ, EV_ERROR, 0, 0, 0)     // applied
                .entry(1, 5, EVFILT_WRITE, EV_ERROR, 0, 2, 0)    // ENOENT
                .entry(2, 5, EVFILT_READ, EV_ERROR, 0, 9, 0)     // EBADF
                .segment();
        assertEquals(0, r.errnoOf(rc, 0));
        assertEquals(2, r.errnoOf(rc, 1));
        assertEquals(9, r.errnoOf(rc, 2));
        assertTrue(r.anyApplied(rc, 0, 2));
        assertFalse(r.anyApplied(rc, 1, 2));
        assertEquals(2, r.firstErrno(rc, 0, 3));
        KqueueRegistrations.Reg level = new KqueueRegistrations.Reg(Poller.READABLE, 1, null);
        KqueueRegistrations.Reg oneShot = new KqueueRegistrations.Reg(Poller.READABLE | Poller.ONE_SHOT, 1, null);
        assertTrue(r.wasAlive(level, rc, 0, 1), "a knote was deleted");
        assertFalse(r.wasAlive(level, rc, 1, 1), "ENOENT: closed without remove, number reused");
        assertTrue(r.wasAlive(oneShot, rc, 1, 1), "ENOENT on a one-shot: it fired, the Poller still has it");
        assertFalse(r.wasAlive(oneShot, rc, 2, 1), "EBADF: the fd is not open");
    }

    /** The mapping of every option combination, by the rule written out once more here. */
    @ParameterizedTest
    @MethodSource("oses")
    void everyInterestCombination(Os os) {
        KqueueRegistrations r = new KqueueRegistrations(os.spec());
        int[] bits = {Poller.READABLE, Poller.WRITABLE, Poller.EDGE_TRIGGERED, Poller.ONE_SHOT};
        for (int mask = 0; mask < 16; mask++) {
            int interest = 0;
            for (int b = 0; b < 4; b++) {
                if ((mask & 1 << b) != 0) {
                    interest |= bits[b];
                }
            }
            int flags = EV_ADD | EV_RECEIPT;
            if ((interest & Poller.EDGE_TRIGGERED) != 0) {
                flags |= EV_CLEAR;
            }
            if ((interest & Poller.ONE_SHOT) != 0) {
                flags |= EV_ONESHOT;
            }
            List<Short> filters = new ArrayList<>();
            if ((interest & Poller.READABLE) != 0) {
                filters.add(EVFILT_READ);
            }
            if ((interest & Poller.WRITABLE) != 0) {
                filters.add(EVFILT_WRITE);
            }
            if (filters.isEmpty()) {
                filters.add(EVFILT_READ); // the placeholder knote: registered, disabled
                flags |= EV_DISABLE;
            }
            MemorySegment changes = dirty(os.size() * 2);
            int n = r.encodeAdd(changes, 0, 3, interest, 77);
            Fixture f = new Fixture(os.size(), filters.size());
            for (int i = 0; i < filters.size(); i++) {
                f.entry(i, 3, filters.get(i), flags, 0, 0, 77);
            }
            assertEquals(filters.size(), n, "interest 0x" + Integer.toHexString(interest));
            assertBytes(f.bytes(), changes, n * os.size());

            int d = r.encodeDelete(changes, 0, 3, interest);
            Fixture g = new Fixture(os.size(), filters.size());
            for (int i = 0; i < filters.size(); i++) {
                g.entry(i, 3, filters.get(i), EV_DELETE | EV_RECEIPT, 0, 0, 0);
            }
            assertEquals(filters.size(), d);
            assertBytes(g.bytes(), changes, d * os.size());

            int withExclusive = interest | Poller.EXCLUSIVE;
            assertThrows(UnsupportedOperationException.class, () -> r.encodeAdd(changes, 0, 3, withExclusive, 1));
        }
    }

    @Test
    void listenersAreOnlyReadable() {
        assertEquals(Poller.READABLE | Poller.EDGE_TRIGGERED,
                KqueueRegistrations.listenerInterest(Poller.READABLE | Poller.WRITABLE | Poller.EDGE_TRIGGERED));
        assertEquals(0, KqueueRegistrations.listenerInterest(Poller.WRITABLE));
    }

    @Test
    void undoTurnsAppliedAddsIntoDeletes() {
        KqueueSpec k = MacOsConstants.kqueue();
        KqueueRegistrations r = new KqueueRegistrations(k);
        MemorySegment changes = dirty(MACOS_KEVENT_SIZE * 4);
        int d = r.encodeDelete(changes, 0, 4, Poller.READABLE);
        int a = r.encodeAdd(changes, d, 4, Poller.READABLE | Poller.WRITABLE, 8);
        MemorySegment rc = new Fixture(MACOS_KEVENT_SIZE, 3)
                .entry(0, 4, EVFILT_READ, EV_ERROR, 0, 0, 0)
                .entry(1, 4, EVFILT_READ, EV_ERROR, 0, 0, 0)    // read added
                .entry(2, 4, EVFILT_WRITE, EV_ERROR, 0, 22, 0)  // write refused (EINVAL)
                .segment();
        assertEquals(1, r.encodeUndo(changes, rc, d, a));
        assertBytes(new Fixture(MACOS_KEVENT_SIZE, 1).entry(0, 4, EVFILT_READ, EV_DELETE | EV_RECEIPT, 0, 0, 0).bytes(),
                changes, MACOS_KEVENT_SIZE);
    }
}
