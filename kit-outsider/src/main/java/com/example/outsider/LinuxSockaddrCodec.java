package com.example.outsider;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
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
import java.nio.file.InvalidPathException;

/**
 * Linux's {@code struct sockaddr_*} as accept(2) writes them (ip(7), ipv6(7), unix(7)): a native-order
 * u16 family at offset 0; {@code sockaddr_in} (16 bytes) port at 2 and address at 4, both network order;
 * {@code sockaddr_in6} (28 bytes) port at 2, address at 8, host-order scope id at 24; {@code sockaddr_un}
 * path from 2, at most 108 bytes, NUL-terminated or ending at the length (2 alone: an unnamed peer).
 * Family numbers from {@code <bits/socket.h>}: AF_UNIX 1, AF_INET 2, AF_INET6 10.
 */
final class LinuxSockaddrCodec implements org.tryaccept.spi.SockaddrCodec {
    private static final int AF_UNIX = 1;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SIZEOF_IN = 16;
    private static final int SIZEOF_IN6 = 28;
    private static final int SUN_PATH = 108;
    private static final java.lang.foreign.ValueLayout.OfShort PORT = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    // The JDK turns Unix-domain path bytes into a String with the platform's file-name charset.
    private static final Charset PATH_CHARSET = charset();

    private static Charset charset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding"));
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** @return the bytes the kernel wrote that exist in the segment */
    private static int usable(MemorySegment sa, int length) {
        return (int) Math.max(0, Math.min(length, sa.byteSize()));
    }

    @Override
    public ProtocolFamily family(MemorySegment sa, int length) {
        int n = usable(sa, length);
        if (n < 2) {
            return null;
        }
        return switch (sa.get(JAVA_SHORT_UNALIGNED, 0)) {
            case AF_INET -> n >= SIZEOF_IN ? StandardProtocolFamily.INET : null;
            case AF_INET6 -> n >= SIZEOF_IN6 ? StandardProtocolFamily.INET6 : null;
            case AF_UNIX -> StandardProtocolFamily.UNIX;
            default -> null;
        };
    }

    @Override
    public int port(MemorySegment sa, int length) {
        ProtocolFamily f = family(sa, length);
        return f == StandardProtocolFamily.INET || f == StandardProtocolFamily.INET6
                ? Short.toUnsignedInt(sa.get(PORT, 2)) : -1;
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
            int end = Math.min(usable(sa, length), 2 + SUN_PATH);
            int i = 2;
            while (i < end && sa.get(JAVA_BYTE, i) != 0) {
                i++;
            }
            return i - 2;
        }
        return -1;
    }

    @Override
    public int copyAddress(MemorySegment sa, int length, byte[] dst) throws SocketException {
        int n = addressLength(sa, length);
        if (n < 0) {
            throw new SocketException("malformed sockaddr (length " + length + ")");
        }
        long offset = switch (sa.get(JAVA_SHORT_UNALIGNED, 0)) {
            case AF_INET -> 4;
            case AF_INET6 -> 8;
            default -> 2;
        };
        MemorySegment.copy(sa, JAVA_BYTE, offset, dst, 0, n); // IndexOutOfBoundsException if dst is short
        return n;
    }

    @Override
    public int scopeId(MemorySegment sa, int length) {
        return family(sa, length) == StandardProtocolFamily.INET6 ? sa.get(JAVA_INT_UNALIGNED, 24) : 0;
    }

    @Override
    public SocketAddress decode(MemorySegment sa, int length) throws SocketException {
        ProtocolFamily f = family(sa, length);
        if (f == null) {
            throw new SocketException("unknown or truncated sockaddr (length " + length + ")");
        }
        byte[] raw = new byte[addressLength(sa, length)];
        copyAddress(sa, length, raw);
        try {
            if (f == StandardProtocolFamily.UNIX) {
                return UnixDomainSocketAddress.of(new String(raw, PATH_CHARSET)); // "" for an unnamed peer
            }
            int scope = scopeId(sa, length);
            // getByAddress folds ::ffff:a.b.c.d to an Inet4Address, as the JDK reports such peers.
            InetAddress a = InetAddress.getByAddress(raw);
            if (a instanceof Inet6Address && scope != 0) {
                a = Inet6Address.getByAddress(null, raw, scope);
            }
            return new InetSocketAddress(a, port(sa, length));
        } catch (UnknownHostException | InvalidPathException e) {
            throw new SocketException("malformed sockaddr: " + e.getMessage());
        }
    }
}
