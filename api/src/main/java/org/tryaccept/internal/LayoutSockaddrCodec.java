package org.tryaccept.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.tryaccept.spi.SockaddrCodec;

/**
 * {@link SockaddrCodec} for the two sockaddr layouts in use: Linux (a native-order u16 family at
 * offset 0) and BSD/macOS (a length byte at 0, a u8 family at 1). Ports and IP addresses are in
 * network order at the same offsets on both (port 2, IPv4 4, IPv6 8, scope id 24); the Unix-domain
 * path starts at 2. Layouts: {@code <netinet/in.h>}, {@code <sys/un.h>} of
 * each OS (Linux glibc, FreeBSD {@code sys/netinet/in.h}, XNU {@code bsd/netinet/in.h}).
 *
 * <p>Reads are bounded by both {@code length} and the segment size, so malformed input yields
 * {@code null}/-1 from the accessors and a {@link SocketException} from {@link #decode}, never an
 * out-of-bounds read.
 */
public final class LayoutSockaddrCodec implements SockaddrCodec {
    private static final ValueLayout.OfShort U16_NATIVE = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfShort U16_NET = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32_NATIVE = ValueLayout.JAVA_INT_UNALIGNED;
    private static final Charset PATH_CHARSET = pathCharset();

    static final int PORT_OFFSET = 2;
    static final int IPV4_OFFSET = 4;
    static final int IPV6_OFFSET = 8;
    static final int SCOPE_OFFSET = 24;
    static final int PATH_OFFSET = 2;
    static final int SOCKADDR_IN_MIN = IPV4_OFFSET + 4;
    static final int SOCKADDR_IN6_MIN = IPV6_OFFSET + 16;

    private final boolean bsd;
    private final int afUnix;
    private final int afInet;
    private final int afInet6;
    private final int sunPathSize;

    /**
     * @param bsd         true for the BSD layout (length byte, u8 family at offset 1)
     * @param afUnix      AF_UNIX on this OS
     * @param afInet      AF_INET
     * @param afInet6     AF_INET6 (10 Linux, 28 FreeBSD, 30 macOS)
     * @param sunPathSize size of sun_path (108 Linux, 104 BSD/macOS)
     */
    public LayoutSockaddrCodec(boolean bsd, int afUnix, int afInet, int afInet6, int sunPathSize) {
        this.bsd = bsd;
        this.afUnix = afUnix;
        this.afInet = afInet;
        this.afInet6 = afInet6;
        this.sunPathSize = sunPathSize;
    }

    /** @return the raw family number, or -1 if the bytes cannot hold one */
    public int rawFamily(MemorySegment sa, int length) {
        int n = limit(sa, length);
        if (bsd) {
            return n >= 2 ? sa.get(ValueLayout.JAVA_BYTE, 1) & 0xff : -1;
        }
        return n >= 2 ? sa.get(U16_NATIVE, 0) & 0xffff : -1;
    }

    @Override
    public ProtocolFamily family(MemorySegment sa, int length) {
        int f = rawFamily(sa, length);
        int n = limit(sa, length);
        if (f == afInet) {
            return n >= SOCKADDR_IN_MIN ? StandardProtocolFamily.INET : null;
        }
        if (f == afInet6) {
            return n >= SOCKADDR_IN6_MIN ? StandardProtocolFamily.INET6 : null;
        }
        if (f == afUnix) {
            return StandardProtocolFamily.UNIX;
        }
        return null;
    }

    @Override
    public int port(MemorySegment sa, int length) {
        ProtocolFamily f = family(sa, length);
        if (f == StandardProtocolFamily.INET || f == StandardProtocolFamily.INET6) {
            return sa.get(U16_NET, PORT_OFFSET) & 0xffff;
        }
        return -1;
    }

    @Override
    public int addressLength(MemorySegment sa, int length) {
        ProtocolFamily f = family(sa, length);
        if (f == StandardProtocolFamily.INET) {
            return 4;
        }
        if (f == StandardProtocolFamily.INET6) {
            return 16;
        }
        if (f == StandardProtocolFamily.UNIX) {
            return pathLength(sa, length);
        }
        return -1;
    }

    @Override
    public int copyAddress(MemorySegment sa, int length, byte[] dst) throws SocketException {
        ProtocolFamily f = family(sa, length);
        int offset;
        int count;
        if (f == StandardProtocolFamily.INET) {
            offset = IPV4_OFFSET;
            count = 4;
        } else if (f == StandardProtocolFamily.INET6) {
            offset = IPV6_OFFSET;
            count = 16;
        } else if (f == StandardProtocolFamily.UNIX) {
            offset = PATH_OFFSET;
            count = pathLength(sa, length);
        } else {
            throw malformed(sa, length);
        }
        if (dst.length < count) {
            throw new IndexOutOfBoundsException("address has " + count + " bytes, dst holds " + dst.length);
        }
        MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, offset, dst, 0, count);
        return count;
    }

    @Override
    public int scopeId(MemorySegment sa, int length) {
        if (family(sa, length) != StandardProtocolFamily.INET6 || limit(sa, length) < SCOPE_OFFSET + 4) {
            return 0;
        }
        return sa.get(U32_NATIVE, SCOPE_OFFSET);
    }

    @Override
    public SocketAddress decode(MemorySegment sa, int length) throws SocketException {
        ProtocolFamily f = family(sa, length);
        try {
            if (f == StandardProtocolFamily.INET) {
                byte[] ip = new byte[4];
                MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, IPV4_OFFSET, ip, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(ip), port(sa, length));
            }
            if (f == StandardProtocolFamily.INET6) {
                byte[] ip = new byte[16];
                MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, IPV6_OFFSET, ip, 0, 16);
                int scope = scopeId(sa, length);
                // getByAddress folds ::ffff:a.b.c.d to Inet4Address, as the JDK reports such peers.
                InetAddress a = InetAddress.getByAddress(ip);
                if (scope != 0 && a instanceof Inet6Address) {
                    a = Inet6Address.getByAddress(null, ip, scope);
                }
                return new InetSocketAddress(a, port(sa, length));
            }
            if (f == StandardProtocolFamily.UNIX) {
                int n = pathLength(sa, length);
                byte[] path = new byte[n];
                MemorySegment.copy(sa, ValueLayout.JAVA_BYTE, PATH_OFFSET, path, 0, n);
                return UnixDomainSocketAddress.of(new String(path, PATH_CHARSET));
            }
        } catch (UnknownHostException | java.nio.file.InvalidPathException e) {
            SocketException se = malformed(sa, length);
            se.initCause(e);
            throw se;
        }
        throw malformed(sa, length);
    }

    /** Bytes of sun_path up to the first NUL, within length and sun_path; 0 for an unnamed peer. */
    private int pathLength(MemorySegment sa, int length) {
        int end = Math.min(limit(sa, length), PATH_OFFSET + sunPathSize);
        int i = PATH_OFFSET;
        while (i < end && sa.get(ValueLayout.JAVA_BYTE, i) != 0) {
            i++;
        }
        return Math.max(0, i - PATH_OFFSET);
    }

    private static int limit(MemorySegment sa, int length) {
        return (int) Math.max(0, Math.min(length, sa.byteSize()));
    }

    private SocketException malformed(MemorySegment sa, int length) {
        return new SocketException("malformed sockaddr: family " + rawFamily(sa, length) + ", " + length + " bytes");
    }

    private static Charset pathCharset() {
        // The JDK decodes Unix-domain paths with the platform's file-name encoding.
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name != null ? Charset.forName(name) : Charset.defaultCharset();
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
