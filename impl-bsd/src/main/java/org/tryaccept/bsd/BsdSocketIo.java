package org.tryaccept.bsd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.tryaccept.internal.NativeBinder;

/**
 * Non-blocking socket I/O on raw fds for {@link org.tryaccept.SocketIo} on FreeBSD and macOS:
 * {@code read(2)}, {@code send(2)}, {@code shutdown(fd, SHUT_WR)}, with NIO's conventions (read: n > 0,
 * 0 on EAGAIN, -1 at end of stream; write: n >= 0, 0 on EAGAIN; EINTR retried; other errors are
 * {@link org.tryaccept.ErrnoException}s). Memory is native here; the api module copies heap memory and
 * answers empty buffers before it calls in.
 *
 * <p><b>SIGPIPE.</b> A write to a connection the peer reset must fail with EPIPE, not raise SIGPIPE.
 * <ul>
 * <li>FreeBSD: {@code send(..., MSG_NOSIGNAL)} (send(2): "MSG_NOSIGNAL ... do not generate SIGPIPE").</li>
 * <li>macOS: {@code setsockopt(SOL_SOCKET, SO_NOSIGPIPE, 1)}, then {@code send(..., 0)}, on every write.
 * XNU's write paths honour SO_NOSIGPIPE on every release, while MSG_NOSIGNAL is honoured only from
 * xnu-7195 (macOS 11 era) and silently ignored before. Setting the option once per fd and remembering
 * it is not safe: fd numbers are reused, and a remembered number may be a new socket without the
 * option (the accept path, shared with FreeBSD in the core engine, does not set it). The price is one
 * extra system call per write on macOS; a server that wants to avoid it sets SO_NOSIGPIPE itself right
 * after accept and can then call send directly. (HotSpot catches SIGPIPE anyway, so a missed option
 * would cost a signal delivery, not the process; other embedders might not.)</li>
 * </ul>
 */
final class BsdSocketIo {

    /** The system calls, with the negative-errno convention; {@link Libc} for the real ones. */
    interface Calls {
        long read(int fd, MemorySegment buf, long len);

        long send(int fd, MemorySegment buf, long len, int flags);

        int shutdown(int fd, int how);

        int setsockoptInt(int fd, int level, int name, int value);
    }

    private final BsdIoSpec spec;
    private final Calls calls;

    BsdSocketIo(BsdIoSpec spec, Calls calls) {
        this.spec = spec;
        this.calls = calls;
    }

    /** @return bytes read, 0 on EAGAIN, -1 at end of stream (read(2) returned 0) */
    int read(int fd, MemorySegment dst) throws IOException {
        long len = Math.min(dst.byteSize(), Integer.MAX_VALUE);
        for (;;) {
            long r = calls.read(fd, dst, len);
            if (r > 0) {
                return (int) r;
            }
            if (r == 0) {
                return -1;
            }
            int e = (int) -r;
            if (e == spec.eagain()) { // EWOULDBLOCK is EAGAIN (35) on both (sys/errno.h)
                return 0;
            }
            if (e != spec.eintr()) {
                throw spec.errno().exception("read", e);
            }
        }
    }

    /** @return bytes written, 0 on EAGAIN */
    int write(int fd, MemorySegment src) throws IOException {
        if (spec.soNosigpipe() != 0) {
            int r = calls.setsockoptInt(fd, spec.solSocket(), spec.soNosigpipe(), 1);
            if (r < 0) {
                throw spec.errno().exception("setsockopt(SO_NOSIGPIPE)", -r);
            }
        }
        long len = Math.min(src.byteSize(), Integer.MAX_VALUE);
        for (;;) {
            long r = calls.send(fd, src, len, spec.msgNosignal());
            if (r >= 0) {
                return (int) r;
            }
            int e = (int) -r;
            if (e == spec.eagain()) {
                return 0;
            }
            if (e != spec.eintr()) {
                throw spec.errno().exception("send", e);
            }
        }
    }

    void shutdownOutput(int fd) throws IOException {
        int r = calls.shutdown(fd, spec.shutWr());
        if (r < 0) {
            throw spec.errno().exception("shutdown(SHUT_WR)", -r);
        }
    }

    /** The C library's read, send, shutdown and setsockopt; bound on first use. */
    static final class Libc implements Calls {
        static final Libc INSTANCE = new Libc();

        // ssize_t read(int fd, void *buf, size_t nbytes)   read(2)
        private static final MethodHandle READ = NativeBinder.bind("read",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        // ssize_t send(int s, const void *msg, size_t len, int flags)   send(2)
        private static final MethodHandle SEND = NativeBinder.bind("send",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        // int shutdown(int s, int how)   shutdown(2)
        private static final MethodHandle SHUTDOWN = NativeBinder.bind("shutdown",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
        // int setsockopt(int s, int level, int optname, const void *optval, socklen_t optlen)   setsockopt(2)
        private static final MethodHandle SETSOCKOPT = NativeBinder.bind("setsockopt",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        /** One int option value per thread. */
        private static final ThreadLocal<MemorySegment> INT_VALUE =
                ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(JAVA_INT));

        private Libc() {
        }

        @Override
        public long read(int fd, MemorySegment buf, long len) {
            MemorySegment errno = NativeBinder.errnoSegment();
            try {
                return NativeBinder.result((long) READ.invokeExact(errno, fd, buf, len), errno);
            } catch (Throwable t) {
                throw NativeBinder.rethrow(t);
            }
        }

        @Override
        public long send(int fd, MemorySegment buf, long len, int flags) {
            MemorySegment errno = NativeBinder.errnoSegment();
            try {
                return NativeBinder.result((long) SEND.invokeExact(errno, fd, buf, len, flags), errno);
            } catch (Throwable t) {
                throw NativeBinder.rethrow(t);
            }
        }

        @Override
        public int shutdown(int fd, int how) {
            MemorySegment errno = NativeBinder.errnoSegment();
            try {
                return NativeBinder.result((int) SHUTDOWN.invokeExact(errno, fd, how), errno);
            } catch (Throwable t) {
                throw NativeBinder.rethrow(t);
            }
        }

        @Override
        public int setsockoptInt(int fd, int level, int name, int value) {
            MemorySegment v = INT_VALUE.get();
            v.set(JAVA_INT, 0, value);
            MemorySegment errno = NativeBinder.errnoSegment();
            try {
                return NativeBinder.result((int) SETSOCKOPT.invokeExact(errno, fd, level, name, v, 4), errno);
            } catch (Throwable t) {
                throw NativeBinder.rethrow(t);
            }
        }
    }
}
