package org.tryaccept.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@link Syscalls} over the C library, through FFM downcalls.
 *
 * <p>Each C function is bound once ({@code static final}, through {@link NativeBinder}); errno is
 * captured by the linker into a per-thread segment, so a call allocates nothing. Functions that not
 * every OS has, or whose signature differs between them, sit in holder classes so that a platform binds
 * only what it uses: {@code accept4} (macOS has none) and {@code poll}, whose {@code nfds_t} is
 * {@code unsigned long} on Linux and {@code unsigned int} on the BSDs (poll(2) SYNOPSIS of each).
 */
public final class LibcSyscalls implements Syscalls {
    // fcntl is variadic: the third argument is passed as the first variadic int (matters on Apple arm64).
    private static final MethodHandle FCNTL = NativeBinder.bind("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = NativeBinder.bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = NativeBinder.bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = NativeBinder.bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GETSOCKNAME = NativeBinder.bind("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    private final boolean nfdsIsLong;

    /** @param poll this OS's poll(2) facts (the width of {@code nfds_t}) */
    public LibcSyscalls(Platform.Poll poll) {
        this.nfdsIsLong = poll.nfdsBytes() == 8;
    }

    /** Per-thread native scratch memory: one pollfd, an int value and a length. */
    static final class Scratch {
        private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

        final MemorySegment pollfd;
        final MemorySegment intValue;
        final MemorySegment length;

        private Scratch() {
            Arena arena = Arena.ofAuto();
            pollfd = arena.allocate(8, 4);     // struct pollfd { int fd; short events; short revents; }
            intValue = arena.allocate(JAVA_INT);
            length = arena.allocate(JAVA_INT);
        }

        static Scratch get() {
            return CURRENT.get();
        }
    }

    @Override
    public int poll(int fd, int events) {
        MemorySegment errno = NativeBinder.errnoSegment();
        MemorySegment p = Scratch.get().pollfd;
        p.set(JAVA_INT, 0, fd);
        p.set(JAVA_SHORT, 4, (short) events);
        p.set(JAVA_SHORT, 6, (short) 0);
        try {
            int r = nfdsIsLong
                    ? (int) PollLongNfds.HANDLE.invokeExact(errno, p, 1L, 0)
                    : (int) PollIntNfds.HANDLE.invokeExact(errno, p, 1, 0);
            if (r < 0) {
                return NativeBinder.result(r, errno);
            }
            return r == 0 ? 0 : p.get(JAVA_SHORT, 6) & 0xffff;
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    @Override
    public int dupCloexec(int fd, int fDupfdCloexec) {
        return fcntl(fd, fDupfdCloexec, 0);
    }

    @Override
    public int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        MemorySegment errno = NativeBinder.errnoSegment();
        try {
            return NativeBinder.result((int) Accept4.HANDLE.invokeExact(errno, fd, addr, addrlen, flags), errno);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    @Override
    public int accept(int fd, MemorySegment addr, MemorySegment addrlen) {
        MemorySegment errno = NativeBinder.errnoSegment();
        try {
            return NativeBinder.result((int) Accept.HANDLE.invokeExact(errno, fd, addr, addrlen), errno);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        MemorySegment errno = NativeBinder.errnoSegment();
        try {
            return NativeBinder.result((int) FCNTL.invokeExact(errno, fd, cmd, arg), errno);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    @Override
    public int close(int fd) {
        MemorySegment errno = NativeBinder.errnoSegment();
        try {
            return NativeBinder.result((int) CLOSE.invokeExact(errno, fd), errno);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    @Override
    public int setsockoptInt(int fd, int level, int name, int value) {
        Scratch s = Scratch.get();
        s.intValue.set(JAVA_INT, 0, value);
        return setsockopt(fd, level, name, s.intValue, 4);
    }

    @Override
    public int getsockoptInt(int fd, int level, int name) {
        Scratch s = Scratch.get();
        s.intValue.set(JAVA_INT, 0, 0);
        s.length.set(JAVA_INT, 0, 4);
        int r = getsockopt(fd, level, name, s.intValue, s.length);
        return r < 0 ? r : s.intValue.get(JAVA_INT, 0);
    }

    @Override
    public int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        MemorySegment errno = NativeBinder.errnoSegment();
        try {
            return NativeBinder.result((int) SETSOCKOPT.invokeExact(errno, fd, level, name, value, length), errno);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    @Override
    public int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        MemorySegment errno = NativeBinder.errnoSegment();
        try {
            return NativeBinder.result((int) GETSOCKOPT.invokeExact(errno, fd, level, name, value, length), errno);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    @Override
    public int getsockname(int fd, MemorySegment addr, MemorySegment addrlen) {
        MemorySegment errno = NativeBinder.errnoSegment();
        try {
            return NativeBinder.result((int) GETSOCKNAME.invokeExact(errno, fd, addr, addrlen), errno);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    /** accept4(int, struct sockaddr *, socklen_t *, int): Linux and FreeBSD only. */
    private static final class Accept4 {
        static final MethodHandle HANDLE = NativeBinder.bind("accept4",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    /** accept(int, struct sockaddr *, socklen_t *). */
    private static final class Accept {
        static final MethodHandle HANDLE = NativeBinder.bind("accept",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    /** poll(struct pollfd *, nfds_t, int) with nfds_t = unsigned long (Linux). */
    private static final class PollLongNfds {
        static final MethodHandle HANDLE = NativeBinder.bind("poll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    /** poll(struct pollfd *, nfds_t, int) with nfds_t = unsigned int (FreeBSD, macOS). */
    private static final class PollIntNfds {
        static final MethodHandle HANDLE = NativeBinder.bind("poll",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }
}
