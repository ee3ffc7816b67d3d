package org.tryaccept;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * Non-blocking I/O on raw socket fds (those {@link ServerSockets#tryAccept} hands out), with NIO's
 * conventions: a read returns the bytes read, 0 when nothing is available, -1 at end of stream; a
 * write returns the bytes written, 0 when the send buffer is full. Errors are {@link ErrnoException}s
 * naming the errno; a write to a peer that reset the connection throws ({@code EPIPE} or
 * {@code ECONNRESET}) and never raises SIGPIPE.
 *
 * <pre>{@code
 * Accepted c = ServerSockets.tryAccept(listener).orElseThrow();
 * ByteBuffer buf = ByteBuffer.allocateDirect(4096);
 * int n = SocketIo.read(c.fd(), buf);            // > 0, 0 (try again when READABLE) or -1
 * if (n > 0) {
 *     buf.flip();
 *     SocketIo.write(c.fd(), buf);               // advances the position by what was sent
 * }
 * SocketIo.close(c.fd());
 * }</pre>
 *
 * <p>Native {@link MemorySegment}s and direct {@link ByteBuffer}s go to the kernel as they are and
 * allocate nothing; heap ones are copied through a per-thread native buffer of 64 KiB, so one call
 * moves at most that much. Reads and writes of empty buffers return 0 without a system call.
 *
 * @since 0.1
 */
public final class SocketIo {
    /** Size of the per-thread buffer that heap memory is copied through. */
    private static final int SCRATCH_BYTES = 64 * 1024;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_BYTES, 8));

    /**
     * The segment of the direct buffer this thread used last: MemorySegment.ofBuffer allocates 32 B
     * per call that escape analysis does not remove (measured on JDK 25), a slice of a cached segment
     * does not. Holds on to one direct buffer per thread.
     */
    private static final class DirectSegments {
        private static final ThreadLocal<DirectSegments> CURRENT = ThreadLocal.withInitial(DirectSegments::new);
        private ByteBuffer buffer;
        private MemorySegment whole;

        /** @return the bytes between the buffer's position and limit */
        static MemorySegment of(ByteBuffer b, int pos, int rem) {
            DirectSegments d = CURRENT.get();
            if (d.buffer != b) {
                d.whole = MemorySegment.ofBuffer(b.duplicate().clear());
                d.buffer = b;
            }
            return d.whole.asSlice(pos, rem);
        }
    }

    private SocketIo() {
    }

    /**
     * Reads into {@code dst} from its start.
     *
     * @return bytes read ({@code > 0}), 0 when nothing is available, -1 at end of stream
     * @throws IllegalArgumentException if {@code fd < 0} or {@code dst} is read-only
     * @throws ErrnoException           on errors such as {@code ECONNRESET}
     */
    public static int read(int fd, MemorySegment dst) throws IOException {
        checkFd(fd);
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        if (dst.byteSize() == 0) {
            return 0;
        }
        ServerSocketsProvider p = ServerSockets.provider();
        if (dst.isNative()) {
            return p.read(fd, dst);
        }
        MemorySegment scratch = SCRATCH.get();
        int n = p.read(fd, scratch.asSlice(0, Math.min(dst.byteSize(), SCRATCH_BYTES)));
        if (n > 0) {
            MemorySegment.copy(scratch, 0, dst, 0, n);
        }
        return n;
    }

    /**
     * Reads into {@code dst} between its position and limit, and advances the position.
     *
     * @return bytes read ({@code > 0}), 0 when nothing is available, -1 at end of stream
     * @throws ReadOnlyBufferException if {@code dst} is read-only
     * @see #read(int, MemorySegment)
     */
    public static int read(int fd, ByteBuffer dst) throws IOException {
        checkFd(fd);
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int pos = dst.position();
        int rem = dst.limit() - pos;
        if (rem == 0) {
            return 0;
        }
        ServerSocketsProvider p = ServerSockets.provider();
        int n;
        if (dst.isDirect()) {
            n = p.read(fd, DirectSegments.of(dst, pos, rem));
        } else {
            MemorySegment scratch = SCRATCH.get();
            n = p.read(fd, scratch.asSlice(0, Math.min(rem, SCRATCH_BYTES)));
            if (n > 0) {
                MemorySegment.copy(scratch, ValueLayout.JAVA_BYTE, 0, dst.array(), dst.arrayOffset() + pos, n);
            }
        }
        if (n > 0) {
            dst.position(pos + n);
        }
        return n;
    }

    /**
     * Writes {@code src} from its start.
     *
     * @return bytes written ({@code >= 0}; 0 when the send buffer is full)
     * @throws ErrnoException on errors: {@code EPIPE} or {@code ECONNRESET} when the peer is gone
     */
    public static int write(int fd, MemorySegment src) throws IOException {
        checkFd(fd);
        Objects.requireNonNull(src, "src");
        if (src.byteSize() == 0) {
            return 0;
        }
        ServerSocketsProvider p = ServerSockets.provider();
        if (src.isNative()) {
            return p.write(fd, src);
        }
        MemorySegment scratch = SCRATCH.get();
        int len = (int) Math.min(src.byteSize(), SCRATCH_BYTES);
        MemorySegment.copy(src, 0, scratch, 0, len);
        return p.write(fd, scratch.asSlice(0, len));
    }

    /**
     * Writes {@code src} between its position and limit, and advances the position.
     *
     * @return bytes written ({@code >= 0}; 0 when the send buffer is full)
     * @see #write(int, MemorySegment)
     */
    public static int write(int fd, ByteBuffer src) throws IOException {
        checkFd(fd);
        Objects.requireNonNull(src, "src");
        int pos = src.position();
        int rem = src.limit() - pos;
        if (rem == 0) {
            return 0;
        }
        ServerSocketsProvider p = ServerSockets.provider();
        int n;
        if (src.isDirect()) {
            n = p.write(fd, DirectSegments.of(src, pos, rem));
        } else {
            // also covers read-only heap buffers, whose array() is not accessible
            MemorySegment scratch = SCRATCH.get();
            int len = Math.min(rem, SCRATCH_BYTES);
            MemorySegment.copy(MemorySegment.ofBuffer(src), 0, scratch, 0, len);
            n = p.write(fd, scratch.asSlice(0, len));
        }
        if (n > 0) {
            src.position(pos + n);
        }
        return n;
    }

    /**
     * Shuts down the sending side ({@code shutdown(fd, SHUT_WR)}): the peer reads end of stream once
     * it has read what was sent; reading goes on.
     *
     * @throws ErrnoException e.g. {@code ENOTCONN} on a socket that is not connected
     */
    public static void shutdownOutput(int fd) throws IOException {
        checkFd(fd);
        ServerSockets.provider().shutdownOutput(fd);
    }

    /**
     * Closes the fd; a {@link Poller} registration of it disappears with it (no event is reported for
     * it afterwards), as long as no duplicate of the fd is open.
     */
    public static void close(int fd) throws IOException {
        checkFd(fd);
        ServerSockets.provider().close(fd);
    }

    private static void checkFd(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd must be >= 0, got " + fd);
        }
    }
}
