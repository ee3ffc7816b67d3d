package org.tryaccept.bench;

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
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The benchmark's own FFM bindings: a raw loopback client (so that the client half of the accept
 * cycle costs the same, and allocates nothing, in every Java row), and epoll/read/write for the
 * churn server. Kept apart from the library's internal bindings on purpose: the benchmark must not
 * depend on library internals, and this client is not the thing under test.
 *
 * <p>One instance per thread: it owns the errno capture segment and a sockaddr_in. Methods return
 * the C result, or {@code -errno} on failure. Constants are Linux x86_64 values; {@link #verify}
 * compares them with what gcc reports on this machine (see floor.c) before anything runs.
 */
public final class Libc {
    public static final int AF_INET = 2;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int EAGAIN = 11;
    public static final int EINPROGRESS = 115;
    public static final int POLLIN = 1;
    public static final int F_GETFL = 3;
    public static final int O_NONBLOCK = 0x800;
    public static final int SOL_SOCKET = 1;
    public static final int SO_LINGER = 13;
    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLLIN = 1;
    public static final int EPOLLOUT = 4;
    public static final int EPOLLERR = 8;
    public static final int EPOLLHUP = 16;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLET = 0x80000000;
    /** struct epoll_event is packed on x86_64: u32 events at 0, u64 data at 4, 12 bytes. */
    public static final int EPOLL_EVENT_SIZE = 12;
    public static final int EPOLL_EVENT_DATA = 4;

    /** In floor_constants order (floor.c). */
    private static final int[] EXPECTED = {
        EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD,
        EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, EPOLLET,
        EPOLL_EVENT_SIZE, EPOLL_EVENT_DATA,
        POLLIN, 1030, SOCK_NONBLOCK, SOCK_CLOEXEC, EAGAIN, EINPROGRESS, AF_INET, SOCK_STREAM,
        F_GETFL, O_NONBLOCK, SOL_SOCKET, SO_LINGER, 8,
    };

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ValueLayout.OfShort PORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT = bind("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = bind("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FCNTL = bind("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle EPOLL_CREATE1 = bind("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL = bind("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT = bind("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));

    private final MemorySegment errno;
    private final MemorySegment sockaddr;
    private final MemorySegment pollfd;
    private final MemorySegment event;
    private final MemorySegment linger;

    public Libc(Arena arena) {
        errno = arena.allocate(CAPTURE);
        sockaddr = arena.allocate(16, 4);
        pollfd = arena.allocate(8, 4);
        event = arena.allocate(EPOLL_EVENT_SIZE, 4);
        linger = arena.allocate(8, 4);
        linger.set(JAVA_INT, 0, 1); // l_onoff
        linger.set(JAVA_INT, 4, 0); // l_linger: close sends RST, leaves no TIME_WAIT
    }

    private static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, options);
    }

    /** Compares the constants above with the ones floor.c was compiled with; throws on any difference. */
    public static void verify(int[] fromGcc) {
        if (fromGcc.length != EXPECTED.length) {
            throw new IllegalStateException("floor_constants returned " + fromGcc.length + " values, expected " + EXPECTED.length);
        }
        for (int i = 0; i < EXPECTED.length; i++) {
            if (fromGcc[i] != EXPECTED[i]) {
                throw new IllegalStateException("constant #" + i + " is " + fromGcc[i] + " per gcc, Libc has " + EXPECTED[i]);
            }
        }
    }

    private int result(int r) {
        return r >= 0 ? r : -(int) ERRNO.get(errno, 0L);
    }

    private int result(long r) {
        return r >= 0 ? (int) r : -(int) ERRNO.get(errno, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    /** Sets the destination used by {@link #connectLoopback} to 127.0.0.1:port. */
    public void target(int port) {
        sockaddr.fill((byte) 0);
        sockaddr.set(JAVA_SHORT, 0, (short) AF_INET);
        sockaddr.set(PORT, 2, (short) port);
        sockaddr.set(JAVA_INT, 4, 0x0100007f); // bytes 7f 00 00 01 on a little-endian host
    }

    /**
     * A blocking client socket with SO_LINGER {1, 0}, connected to the {@link #target}: the same calls
     * as floor.c's client. The zero linger keeps cycles from filling the kernel's TIME_WAIT table (see
     * floor.c), which would otherwise make the port search of connect() the noisiest part of a cycle.
     */
    public int connectLoopback() {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC);
        if (fd < 0) {
            return fd;
        }
        try {
            int r = result((int) SETSOCKOPT.invokeExact(errno, fd, SOL_SOCKET, SO_LINGER, linger, 8));
            if (r < 0) {
                close(fd);
                return r;
            }
            r = result((int) CONNECT.invokeExact(errno, fd, sockaddr, 16));
            if (r < 0) {
                close(fd);
            }
            return r < 0 ? r : fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Like {@link #connectLoopback} but throws, for benchmark bodies. */
    public int connectOrThrow() {
        int fd = connectLoopback();
        if (fd < 0) {
            throw new IllegalStateException("connect failed: errno " + -fd);
        }
        return fd;
    }

    public int socket(int domain, int type) {
        try {
            return result((int) SOCKET.invokeExact(errno, domain, type, 0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int close(int fd) {
        try {
            return result((int) CLOSE.invokeExact(errno, fd));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * accept4(fd, addr, addrlen, SOCK_NONBLOCK|SOCK_CLOEXEC), one FFM downcall with errno capture: the
     * bare accept the library's accept path is compared with. {@code addrlen} holds the capacity on entry.
     */
    public int accept4(int fd, MemorySegment addr, MemorySegment addrlen) {
        addrlen.set(JAVA_INT, 0, (int) addr.byteSize());
        try {
            return result((int) ACCEPT4.invokeExact(errno, fd, addr, addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int read(int fd, MemorySegment buf, long len) {
        try {
            return result((long) READ.invokeExact(errno, fd, buf, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int write(int fd, MemorySegment buf, long len) {
        try {
            return result((long) WRITE.invokeExact(errno, fd, buf, len));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** poll(fd, POLLIN, 0): the raw FFM readiness check, a breakdown row of the nothing-pending case. */
    public int pollIn(int fd) {
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, (short) POLLIN);
        pollfd.set(JAVA_SHORT, 6, (short) 0);
        try {
            return result((int) POLL.invokeExact(errno, pollfd, 1L, 0));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int fcntl(int fd, int cmd, int arg) {
        try {
            return result((int) FCNTL.invokeExact(errno, fd, cmd, arg));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int epollCreate() {
        try {
            return result((int) EPOLL_CREATE1.invokeExact(errno, EPOLL_CLOEXEC));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** epoll_ctl with data = the fd itself (how the churn server finds the socket again). */
    public int epollCtl(int epfd, int op, int fd, int events) {
        event.set(JAVA_INT, 0, events);
        event.set(JAVA_LONG.withByteAlignment(4), EPOLL_EVENT_DATA, fd);
        try {
            return result((int) EPOLL_CTL.invokeExact(errno, epfd, op, fd, event));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int epollWait(int epfd, MemorySegment events, int max, int timeoutMs) {
        try {
            return result((int) EPOLL_WAIT.invokeExact(errno, epfd, events, max, timeoutMs));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** @return the fd stored in the data field of event {@code i} of an epoll_wait array */
    public static int eventFd(MemorySegment events, int i) {
        return (int) events.get(JAVA_LONG.withByteAlignment(4), (long) i * EPOLL_EVENT_SIZE + EPOLL_EVENT_DATA);
    }

    public static int eventMask(MemorySegment events, int i) {
        return events.get(JAVA_INT, (long) i * EPOLL_EVENT_SIZE);
    }
}
