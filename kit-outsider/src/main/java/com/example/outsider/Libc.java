package com.example.outsider;

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
import org.tryaccept.spi.SockaddrCodec;

/**
 * The few libc calls of {@link OutsiderProvider}, bound once, on Linux (x86_64 and aarch64 share every
 * number below). Each wrapper returns what the C function returns; on failure the errno is in the
 * calling thread's {@link Scratch}. Nothing here allocates once a thread has its scratch memory.
 */
@SuppressWarnings("restricted") // every downcall here is bound on purpose; run with --enable-native-access
final class Libc {
    // accept(2), <bits/socket_type.h>: SOCK_NONBLOCK = O_NONBLOCK = 04000, SOCK_CLOEXEC = O_CLOEXEC = 02000000.
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    // fcntl(2), <linux/fcntl.h>: F_DUPFD_CLOEXEC = F_LINUX_SPECIFIC_BASE (1024) + 6.
    static final int F_DUPFD_CLOEXEC = 1030;
    // poll(2), <asm-generic/poll.h>.
    static final short POLLIN = 0x1;
    // socket(7), <asm-generic/socket.h>.
    static final int SOL_SOCKET = 1;
    static final int SO_ACCEPTCONN = 30;
    // tcp(7), <netinet/in.h> and <linux/tcp.h>: an int number of seconds.
    static final int IPPROTO_TCP = 6;
    static final int TCP_DEFER_ACCEPT = 9;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final long ERRNO = CAPTURE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle ACCEPT4 = bind("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle POLL = bind("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GETSOCKNAME = bind("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    // int fcntl(int fd, int cmd, ...): the third argument is variadic.
    private static final MethodHandle FCNTL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            ERRNO_CAPTURE, Linker.Option.firstVariadicArg(2));

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Libc() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, ERRNO_CAPTURE);
    }

    /** Per-thread native memory: errno capture, a pollfd, an int and a socklen_t, a sockaddr_storage. */
    static final class Scratch {
        final MemorySegment capture;
        final MemorySegment pollfd;
        final MemorySegment intValue;
        final MemorySegment length;
        final MemorySegment sockaddr;

        private Scratch() {
            Arena arena = Arena.ofAuto();
            capture = arena.allocate(CAPTURE);
            pollfd = arena.allocate(8, 4);      // struct pollfd { int fd; short events; short revents; }
            intValue = arena.allocate(JAVA_INT);
            length = arena.allocate(JAVA_INT);  // socklen_t
            sockaddr = arena.allocate(SockaddrCodec.CAPACITY, 8);
        }

        int errno() {
            return capture.get(JAVA_INT, ERRNO);
        }
    }

    static Scratch scratch() {
        return SCRATCH.get();
    }

    static int accept4(Scratch s, int fd, MemorySegment addr, MemorySegment addrLength, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(s.capture, fd, addr, addrLength, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** poll(2) of one fd for {@code events} with timeout 0: never waits. @return revents, or -1 */
    static int pollNow(Scratch s, int fd, short events) {
        s.pollfd.set(JAVA_INT, 0, fd);
        s.pollfd.set(JAVA_SHORT, 4, events);
        s.pollfd.set(JAVA_SHORT, 6, (short) 0);
        try {
            int r = (int) POLL.invokeExact(s.capture, s.pollfd, 1L, 0);
            return r < 0 ? -1 : s.pollfd.get(JAVA_SHORT, 6);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    static int fcntl(Scratch s, int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(s.capture, fd, cmd, arg);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    static int close(Scratch s, int fd) {
        try {
            return (int) CLOSE.invokeExact(s.capture, fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    static int setIntOption(Scratch s, int fd, int level, int name, int value) {
        s.intValue.set(JAVA_INT, 0, value);
        try {
            return (int) SETSOCKOPT.invokeExact(s.capture, fd, level, name, s.intValue, 4);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** @return 0 with the value in {@code s.intValue}, or -1 */
    static int getIntOption(Scratch s, int fd, int level, int name) {
        s.intValue.set(JAVA_INT, 0, 0);
        s.length.set(JAVA_INT, 0, 4);
        try {
            return (int) GETSOCKOPT.invokeExact(s.capture, fd, level, name, s.intValue, s.length);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** @return 0 with the address in {@code s.sockaddr} and its length in {@code s.length}, or -1 */
    static int getsockname(Scratch s, int fd) {
        s.length.set(JAVA_INT, 0, SockaddrCodec.CAPACITY);
        try {
            return (int) GETSOCKNAME.invokeExact(s.capture, fd, s.sockaddr, s.length);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static RuntimeException fail(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }
}
