package org.tryaccept.spi;

import java.lang.foreign.MemorySegment;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketException;

/**
 * Reads a platform's {@code struct sockaddr} as the kernel wrote it.
 *
 * <p>Every method takes the buffer and the length the kernel reported ({@code *addrlen} after
 * {@code accept}). The simple accessors never allocate, so that
 * {@link org.tryaccept.AcceptBuffer} can answer them on its allocation-free path. Bytes beyond
 * {@code length} or beyond the segment are never read.
 *
 * <pre>{@code
 * SockaddrCodec codec = ...;                       // supplied by a provider
 * SocketAddress peer = codec.decode(sockaddr, len); // e.g. /127.0.0.1:52814
 * }</pre>
 *
 * @since 0.1
 */
public interface SockaddrCodec {

    /**
     * {@code sizeof(struct sockaddr_storage)} on Linux, FreeBSD and macOS ({@code <sys/socket.h>}):
     * room for any peer address an accept can return.
     */
    int CAPACITY = 128;

    /**
     * @return {@code StandardProtocolFamily.INET}, {@code INET6} or {@code UNIX}, or {@code null}
     *         when the family is unknown or {@code length} is too short to hold it
     */
    ProtocolFamily family(MemorySegment sockaddr, int length);

    /** @return the port in host order, or -1 when the address has no port or is malformed */
    int port(MemorySegment sockaddr, int length);

    /**
     * @return how many bytes {@link #copyAddress} writes: 4 (IPv4), 16 (IPv6), the path length
     *         (Unix domain; 0 for an unnamed peer), or -1 when the address is malformed
     */
    int addressLength(MemorySegment sockaddr, int length);

    /**
     * Copies the raw address: IPv4 or IPv6 bytes in network order, or the Unix-domain path bytes.
     *
     * @return the number of bytes written, as {@link #addressLength}
     * @throws SocketException           if the address is malformed
     * @throws IndexOutOfBoundsException if {@code dst} is shorter than {@link #addressLength}
     */
    int copyAddress(MemorySegment sockaddr, int length, byte[] dst) throws SocketException;

    /** @return the IPv6 scope id (interface index), or 0 when there is none */
    int scopeId(MemorySegment sockaddr, int length);

    /**
     * Decodes the address exactly as the JDK reports peers: {@code InetSocketAddress} (IPv4-mapped
     * IPv6 folded to {@code Inet4Address}, scope id kept) or {@code UnixDomainSocketAddress}.
     *
     * @throws SocketException if the family is unknown or {@code length} is too short for it
     */
    SocketAddress decode(MemorySegment sockaddr, int length) throws SocketException;
}
