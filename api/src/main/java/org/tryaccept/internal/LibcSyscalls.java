package org.tryaccept.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * {@link Syscalls} over the C library, through FFM downcalls.
 *
 * <p>Each C function is bound once ({@code static final}); errno is captured by the linker into a
 * per-thread segment, so a call allocates nothing. {@code accept4} and {@code accept} sit in holder
 * classes so that a platform binds only the one it has (macOS has no {@code accept4}).
 */
public final class LibcSyscalls implements Syscalls {
    /** The one instance; stateless apart from per-thread scratch memory. */
    public static final LibcSyscalls INSTANCE = new LibcSyscalls();

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    // nfds_t is unsigned long on Linux (checked with gcc here: sizeof 8) and unsigned int on the BSDs.
    private static final boolean NFDS_IS_LONG = OsFamily.current() == OsFamily.LINUX;

    private static final MethodHandle POLL = bind("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, NFDS_IS_LONG ? JAVA_LONG : JAVA_INT, JAVA_INT));
    // fcntl is variadic: the third argument is passed as the first variadic int (matters on Apple arm64).
    private static final MethodHandle FCNTL = bind("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GETSOCKNAME = bind("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    private LibcSyscalls() {
    }

    static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol(name), fd, options);
    }

    /** Binds a function whose errno the caller never reads (no capture-state argument). */
    static MethodHandle bindWithoutErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("tryaccept: C library has no " + name));
    }

    /** Per-thread native scratch memory: errno capture, one pollfd, an int value and a length. */
    static final class Scratch {
        private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

        final MemorySegment errno;
        final MemorySegment pollfd;
        final MemorySegment intValue;
        final MemorySegment length;

        private Scratch() {
            Arena arena = Arena.ofAuto();
            errno = arena.allocate(CAPTURE);
            pollfd = arena.allocate(8, 4);     // struct pollfd { int fd; short events; short revents; }
            intValue = arena.allocate(JAVA_INT);
            length = arena.allocate(JAVA_INT);
        }

        static Scratch get() {
            return CURRENT.get();
        }
    }

    private static int result(int r, Scratch s) {
        return r >= 0 ? r : -(int) ERRNO_VALUE.get(s.errno, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    @Override
    public int poll(int fd, int events) {
        Scratch s = Scratch.get();
        MemorySegment p = s.pollfd;
        p.set(JAVA_INT, 0, fd);
        p.set(JAVA_SHORT, 4, (short) events);
        p.set(JAVA_SHORT, 6, (short) 0);
        try {
            int r = NFDS_IS_LONG
                    ? (int) POLL.invokeExact(s.errno, p, 1L, 0)
                    : (int) POLL.invokeExact(s.errno, p, 1, 0);
            if (r < 0) {
                return result(r, s);
            }
            return r == 0 ? 0 : p.get(JAVA_SHORT, 6) & 0xffff;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int dupCloexec(int fd, int fDupfdCloexec) {
        return fcntl(fd, fDupfdCloexec, 0);
    }

    @Override
    public int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        Scratch s = Scratch.get();
        try {
            return result((int) Accept4.HANDLE.invokeExact(s.errno, fd, addr, addrlen, flags), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int accept(int fd, MemorySegment addr, MemorySegment addrlen) {
        Scratch s = Scratch.get();
        try {
            return result((int) Accept.HANDLE.invokeExact(s.errno, fd, addr, addrlen), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        Scratch s = Scratch.get();
        try {
            return result((int) FCNTL.invokeExact(s.errno, fd, cmd, arg), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int close(int fd) {
        Scratch s = Scratch.get();
        try {
            return result((int) CLOSE.invokeExact(s.errno, fd), s);
        } catch (Throwable t) {
            throw rethrow(t);
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
        Scratch s = Scratch.get();
        try {
            return result((int) SETSOCKOPT.invokeExact(s.errno, fd, level, name, value, length), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        Scratch s = Scratch.get();
        try {
            return result((int) GETSOCKOPT.invokeExact(s.errno, fd, level, name, value, length), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getsockname(int fd, MemorySegment addr, MemorySegment addrlen) {
        Scratch s = Scratch.get();
        try {
            return result((int) GETSOCKNAME.invokeExact(s.errno, fd, addr, addrlen), s);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** accept4(int, struct sockaddr *, socklen_t *, int): Linux and FreeBSD only. */
    private static final class Accept4 {
        static final MethodHandle HANDLE = bind("accept4",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    /** accept(int, struct sockaddr *, socklen_t *). */
    private static final class Accept {
        static final MethodHandle HANDLE = bind("accept",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }
}
