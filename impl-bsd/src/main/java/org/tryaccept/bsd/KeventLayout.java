package org.tryaccept.bsd;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * One OS's {@code struct kevent}, read and written in place in an array of them. The members and
 * their offsets are the same on both systems; only the size differs:
 *
 * <pre>
 * member   type (FreeBSD >= 12 / macOS)   offset
 * ident    uintptr_t                      0
 * filter   short / int16_t                8
 * flags    u_short / uint16_t             10
 * fflags   u_int / uint32_t               12
 * data     int64_t / intptr_t             16
 * udata    void *                         24
 * ext[4]   uint64_t (FreeBSD only)        32    size 64, align 8
 *                                               macOS: size 32, align 4 (#pragma pack(4))
 * </pre>
 *
 * Sources: FreeBSD {@code sys/sys/event.h} and kqueue(2) (the 64-byte layout is the default
 * {@code kevent@@FBSD_1.5} symbol since FreeBSD 12, {@code lib/libsys/Symbol.sys.map}; the old 32-byte
 * one is only the compat symbol {@code kevent@FBSD_1.0}); XNU {@code bsd/sys/event.h} (the
 * {@code struct kevent} under {@code #pragma pack(4)}, not {@code kevent64_s}). All accesses are
 * unaligned-tolerant because the macOS struct is only 4-aligned. {@code ext} is zeroed on input, as
 * the headers' {@code EV_SET} does.
 */
final class KeventLayout {
    static final KeventLayout FREEBSD = new KeventLayout("FreeBSD", 64);
    static final KeventLayout MACOS = new KeventLayout("macOS", 32);

    static final long IDENT = 0;
    static final long FILTER = 8;
    static final long FLAGS = 10;
    static final long FFLAGS = 12;
    static final long DATA = 16;
    static final long UDATA = 24;
    /** FreeBSD only: {@code uint64_t ext[4]}. */
    static final long EXT = 32;

    final String os;
    /** {@code sizeof(struct kevent)}. */
    final int size;

    private KeventLayout(String os, int size) {
        this.os = os;
        this.size = size;
    }

    /** Writes entry {@code i} as {@code EV_SET} does, zeroing the rest of the struct ({@code ext}). */
    void set(MemorySegment s, int i, long ident, short filter, int flags, int fflags, long data, long udata) {
        long o = (long) i * size;
        s.asSlice(o, size).fill((byte) 0);
        s.set(JAVA_LONG_UNALIGNED, o + IDENT, ident);
        s.set(JAVA_SHORT_UNALIGNED, o + FILTER, filter);
        s.set(JAVA_SHORT_UNALIGNED, o + FLAGS, (short) flags);
        s.set(JAVA_INT_UNALIGNED, o + FFLAGS, fflags);
        s.set(JAVA_LONG_UNALIGNED, o + DATA, data);
        s.set(JAVA_LONG_UNALIGNED, o + UDATA, udata);
    }

    long ident(MemorySegment s, int i) {
        return s.get(JAVA_LONG_UNALIGNED, (long) i * size + IDENT);
    }

    short filter(MemorySegment s, int i) {
        return s.get(JAVA_SHORT_UNALIGNED, (long) i * size + FILTER);
    }

    /** @return the unsigned 16-bit flags */
    int flags(MemorySegment s, int i) {
        return s.get(JAVA_SHORT_UNALIGNED, (long) i * size + FLAGS) & 0xFFFF;
    }

    int fflags(MemorySegment s, int i) {
        return s.get(JAVA_INT_UNALIGNED, (long) i * size + FFLAGS);
    }

    long data(MemorySegment s, int i) {
        return s.get(JAVA_LONG_UNALIGNED, (long) i * size + DATA);
    }

    long udata(MemorySegment s, int i) {
        return s.get(JAVA_LONG_UNALIGNED, (long) i * size + UDATA);
    }

    @Override
    public String toString() {
        return "struct kevent (" + os + ", " + size + " bytes)";
    }
}
