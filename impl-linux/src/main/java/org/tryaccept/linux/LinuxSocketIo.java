package org.tryaccept.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.tryaccept.internal.NativeBinder;

/**
 * Non-blocking socket I/O on raw fds for {@link org.tryaccept.SocketIo}: {@code read(2)},
 * {@code send(2)} with {@code MSG_NOSIGNAL}, {@code shutdown(2)}. Memory is native here; the api
 * module copies heap memory and answers empty buffers before it calls in.
 */
final class LinuxSocketIo {
    // ssize_t read(int fd, void *buf, size_t count)   read(2)
    private static final MethodHandle READ = NativeBinder.bind("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    // ssize_t send(int sockfd, const void *buf, size_t len, int flags)   send(2)
    private static final MethodHandle SEND = NativeBinder.bind("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    // int shutdown(int sockfd, int how)   shutdown(2)
    private static final MethodHandle SHUTDOWN = NativeBinder.bind("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private LinuxSocketIo() {
    }

    /** @return bytes read, 0 on EAGAIN, -1 at end of stream (read(2) returned 0) */
    static int read(int fd, MemorySegment dst) throws IOException {
        long len = Math.min(dst.byteSize(), Integer.MAX_VALUE);
        MemorySegment errno = NativeBinder.errnoSegment();
        for (;;) {
            long r;
            try {
                r = (long) READ.invokeExact(errno, fd, dst, len);
            } catch (Throwable t) {
                throw NativeBinder.rethrow(t);
            }
            if (r > 0) {
                return (int) r;
            }
            if (r == 0) {
                return -1;
            }
            int e = NativeBinder.errno(errno);
            if (e == LinuxConstants.EAGAIN) { // = EWOULDBLOCK on Linux (recv(2))
                return 0;
            }
            if (e != LinuxConstants.EINTR) {
                throw LinuxConstants.ERRNO.exception("read", e);
            }
        }
    }

    /**
     * send(2) rather than write(2): MSG_NOSIGNAL makes a write to a broken connection fail with EPIPE
     * instead of also raising SIGPIPE, which Linux has no per-socket option to suppress (send(2)).
     *
     * @return bytes written, 0 on EAGAIN
     */
    static int write(int fd, MemorySegment src) throws IOException {
        long len = Math.min(src.byteSize(), Integer.MAX_VALUE);
        MemorySegment errno = NativeBinder.errnoSegment();
        for (;;) {
            long r;
            try {
                r = (long) SEND.invokeExact(errno, fd, src, len, LinuxConstants.MSG_NOSIGNAL);
            } catch (Throwable t) {
                throw NativeBinder.rethrow(t);
            }
            if (r >= 0) {
                return (int) r;
            }
            int e = NativeBinder.errno(errno);
            if (e == LinuxConstants.EAGAIN) {
                return 0;
            }
            if (e != LinuxConstants.EINTR) {
                throw LinuxConstants.ERRNO.exception("send", e);
            }
        }
    }

    static void shutdownOutput(int fd) throws IOException {
        MemorySegment errno = NativeBinder.errnoSegment();
        int r;
        try {
            r = (int) SHUTDOWN.invokeExact(errno, fd, LinuxConstants.SHUT_WR);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
        if (r < 0) {
            throw LinuxConstants.ERRNO.exception("shutdown(SHUT_WR)", NativeBinder.errno(errno));
        }
    }
}
