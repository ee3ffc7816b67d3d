package org.tryaccept;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.util.Arrays;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import org.tryaccept.spi.ServerSocketsProvider;
import org.tryaccept.spi.SockaddrCodec;

/**
 * Reusable target for the allocation-free
 * {@link ServerSockets#tryAccept(java.nio.channels.ServerSocketChannel, AcceptBuffer)}.
 *
 * <p>The kernel writes the peer address straight into this buffer's native memory; the accessors
 * read it on demand. {@link #fd()}, {@link #family()}, {@link #port()}, {@link #scopeId()},
 * {@link #addressLength()} and {@link #copyAddress(byte[])} allocate nothing; {@link #remoteAddress()}
 * builds a {@link SocketAddress} each time it is called.
 *
 * <p>{@link #family()} and {@link #copyAddress(byte[])} report the address as the kernel wrote it: an
 * IPv4 client of a dual-stack listener is {@code INET6} {@code ::ffff:a.b.c.d} there, while
 * {@link #remoteAddress()} folds it to an {@code Inet4Address}, as the JDK's {@code accept()} does.
 *
 * <p>A buffer serves one thread at a time. Using one buffer from two threads at once makes the
 * second call fail with {@link IllegalStateException} rather than mix two connections up. Each
 * successful {@code tryAccept} overwrites the previous result: take {@link #fd()} (the caller owns it)
 * before calling again.
 *
 * <pre>{@code
 * AcceptBuffer buf = new AcceptBuffer();
 * while (ServerSockets.tryAccept(listener, buf)) {
 *     int fd = buf.fd();             // non-blocking, close-on-exec, yours to close
 *     int port = buf.port();         // no allocation
 *     register(fd);
 * }
 * }</pre>
 *
 * @since 0.1
 */
public final class AcceptBuffer {
    private static final java.lang.invoke.VarHandle OWNER;

    static {
        try {
            OWNER = java.lang.invoke.MethodHandles.lookup().findVarHandle(AcceptBuffer.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MemorySegment sockaddr;
    private final MemorySegment sockaddrLength;
    private int fd = -1;
    private int length;
    private SockaddrCodec codec;
    private final byte[] scratch = new byte[16];
    private final byte[] lastIpBytes = new byte[16];
    private int lastIpLength;
    private int lastScope;
    private InetAddress lastIp;
    @SuppressWarnings("unused") // written through OWNER
    private volatile Thread owner;

    /** Creates an empty buffer; its native memory is freed when the buffer becomes unreachable. */
    public AcceptBuffer() {
        Arena arena = Arena.ofAuto();
        sockaddr = arena.allocate(SockaddrCodec.CAPACITY, 8);
        sockaddrLength = arena.allocate(ValueLayout.JAVA_INT);
    }

    /**
     * One accept into this buffer, for {@link ServerSockets}: claims the buffer for the calling thread,
     * lets the provider write the peer address into its native memory, and records the result.
     */
    boolean acceptFrom(ServerSocketsProvider provider, ServerSocketChannel listener) throws IOException {
        Thread me = Thread.currentThread();
        if (!OWNER.compareAndSet(this, (Thread) null, me)) {
            throw new IllegalStateException("AcceptBuffer is in use by another thread; use one buffer per thread");
        }
        try {
            clear();
            int accepted = provider.tryAccept(listener, sockaddr, sockaddrLength);
            if (accepted < 0) {
                return false;
            }
            codec = provider.sockaddrCodec();
            length = Math.min(sockaddrLength.get(ValueLayout.JAVA_INT, 0), SockaddrCodec.CAPACITY);
            fd = accepted;
            return true;
        } finally {
            OWNER.setRelease(this, (Thread) null);
        }
    }

    /** @return true when the last {@code tryAccept} into this buffer returned a connection */
    public boolean hasConnection() {
        return fd >= 0;
    }

    /** @return the accepted fd (non-blocking, close-on-exec, owned by the caller), or -1 if none */
    public int fd() {
        return fd;
    }

    /** @return the peer's protocol family, or null if this buffer holds no connection */
    public ProtocolFamily family() {
        return fd < 0 ? null : codec.family(sockaddr, length);
    }

    /** @return the peer's port, or -1 for Unix-domain peers or when empty */
    public int port() {
        return fd < 0 ? -1 : codec.port(sockaddr, length);
    }

    /** @return the IPv6 scope id of the peer, 0 when it has none */
    public int scopeId() {
        return fd < 0 ? 0 : codec.scopeId(sockaddr, length);
    }

    /** @return the length of the raw address {@link #copyAddress} copies (4, 16, or the path length) */
    public int addressLength() {
        return fd < 0 ? 0 : codec.addressLength(sockaddr, length);
    }

    /**
     * Copies the peer's raw address: IPv4/IPv6 bytes in network order, or the Unix-domain path bytes.
     *
     * @return the number of bytes written
     * @throws IllegalStateException     if the buffer holds no connection
     * @throws IndexOutOfBoundsException if {@code dst} is shorter than {@link #addressLength()}
     */
    public int copyAddress(byte[] dst) {
        requireConnection();
        try {
            return codec.copyAddress(sockaddr, length, dst);
        } catch (SocketException e) {
            // The provider validated the address before it handed the fd out; a held connection decodes.
            throw new IllegalStateException(e);
        }
    }

    /**
     * Decodes the peer address, as the JDK's own {@code accept()} reports it. Allocates.
     *
     * @throws IllegalStateException if the buffer holds no connection
     */
    public SocketAddress remoteAddress() {
        requireConnection();
        try {
            ProtocolFamily f = codec.family(sockaddr, length);
            if (f == StandardProtocolFamily.INET || f == StandardProtocolFamily.INET6) {
                return inetAddress();
            }
            return codec.decode(sockaddr, length);
        } catch (SocketException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Servers see the same peer IP again and again (a proxy, a load balancer, loopback): reuse the
     * immutable InetAddress decoded last when the raw bytes and scope match, so that a new peer
     * address costs only the InetSocketAddress that carries the port.
     */
    private SocketAddress inetAddress() throws SocketException {
        int n = codec.copyAddress(sockaddr, length, scratch);
        int scope = codec.scopeId(sockaddr, length);
        if (lastIp != null && n == lastIpLength && scope == lastScope
                && Arrays.equals(scratch, 0, n, lastIpBytes, 0, n)) {
            return new InetSocketAddress(lastIp, codec.port(sockaddr, length));
        }
        InetSocketAddress decoded = (InetSocketAddress) codec.decode(sockaddr, length);
        System.arraycopy(scratch, 0, lastIpBytes, 0, n);
        lastIpLength = n;
        lastScope = scope;
        lastIp = decoded.getAddress();
        return decoded;
    }

    /** Forgets the held connection without closing it (the caller has taken the fd). */
    public void clear() {
        fd = -1;
        length = 0;
    }

    @Override
    public String toString() {
        return fd < 0 ? "AcceptBuffer[empty]" : "AcceptBuffer[fd=" + fd + ", remote=" + remoteAddress() + "]";
    }

    private void requireConnection() {
        if (fd < 0) {
            throw new IllegalStateException("this AcceptBuffer holds no connection");
        }
    }
}
