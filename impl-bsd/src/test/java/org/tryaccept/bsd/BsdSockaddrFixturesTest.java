package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;
import org.tryaccept.spi.SockaddrCodec;

/**
 * The two BSD sockaddr layouts (FreeBSD sys/sys/socket.h, XNU bsd/sys/socket.h: length byte at 0, u8 family at 1; port and addresses
 * big-endian; sin6_scope_id host order at 24; sun_path[104] at 2), decoded from hand-written bytes as
 * FreeBSD and macOS kernels would write them. Hosts are little-endian on every target (amd64, arm64).
 */
class BsdSockaddrFixturesTest {
    private static final SockaddrCodec FREEBSD = FreeBsdConstants.platform().codec();
    private static final SockaddrCodec MACOS = MacOsConstants.platform().codec();

    private static MemorySegment bytes(Arena arena, int... b) {
        MemorySegment s = arena.allocate(128, 8);
        for (int i = 0; i < b.length; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) b[i]);
        }
        return s;
    }

    /** struct sockaddr_in for 192.0.2.7:8080 (port 0x1f90). */
    private static int[] in4() {
        return new int[] {16, 2, 0x1f, 0x90, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0};
    }

    /** struct sockaddr_in6 for [fe80::1%5]:443, flowinfo 0, scope id 5 (LE host order). */
    private static int[] in6(int family) {
        return new int[] {28, family, 0x01, 0xbb, 0, 0, 0, 0,
            0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            5, 0, 0, 0};
    }

    @Test
    void ipv4OnBoth() throws Exception {
        for (SockaddrCodec c : new SockaddrCodec[] {FREEBSD, MACOS}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment sa = bytes(arena, in4());
                assertEquals(StandardProtocolFamily.INET, c.family(sa, 16));
                assertEquals(8080, c.port(sa, 16));
                assertEquals(4, c.addressLength(sa, 16));
                byte[] ip = new byte[4];
                assertEquals(4, c.copyAddress(sa, 16, ip));
                assertArrayEquals(new byte[] {(byte) 192, 0, 2, 7}, ip);
                assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 8080), c.decode(sa, 16));
            }
        }
    }

    @Test
    void ipv6WithScopeIdUsesEachOsFamilyNumber() throws Exception {
        Object[][] cases = {{FREEBSD, 28, 30}, {MACOS, 30, 28}};
        for (Object[] k : cases) {
            SockaddrCodec c = (SockaddrCodec) k[0];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment sa = bytes(arena, in6((Integer) k[1]));
                assertEquals(StandardProtocolFamily.INET6, c.family(sa, 28));
                assertEquals(443, c.port(sa, 28));
                assertEquals(5, c.scopeId(sa, 28));
                assertEquals(16, c.addressLength(sa, 28));
                InetSocketAddress a = (InetSocketAddress) c.decode(sa, 28);
                assertEquals(443, a.getPort());
                Inet6Address ip = assertInstanceOf(Inet6Address.class, a.getAddress());
                assertEquals(5, ip.getScopeId());
                assertEquals(InetAddress.getByName("fe80::1"), ip);
                // The other BSD's AF_INET6 number is an unknown family here.
                MemorySegment other = bytes(arena, in6((Integer) k[2]));
                assertNull(c.family(other, 28));
                assertThrows(SocketException.class, () -> c.decode(other, 28));
            }
        }
    }

    @Test
    void ipv4MappedFoldsToInet4() throws Exception {
        int[] mapped = {28, 28, 0x00, 0x50, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1,
            0, 0, 0, 0};
        try (Arena arena = Arena.ofConfined()) {
            InetSocketAddress a = (InetSocketAddress) FREEBSD.decode(bytes(arena, mapped), 28);
            assertInstanceOf(Inet4Address.class, a.getAddress());
            assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 80), a);
        }
    }

    @Test
    void unixPathAndUnnamed() throws Exception {
        for (SockaddrCodec c : new SockaddrCodec[] {FREEBSD, MACOS}) {
            try (Arena arena = Arena.ofConfined()) {
                // sun_len = 2 + strlen("/tmp/s") + 1, family AF_UNIX (1), NUL-terminated path
                MemorySegment named = bytes(arena, 9, 1, '/', 't', 'm', 'p', '/', 's', 0);
                assertEquals(StandardProtocolFamily.UNIX, c.family(named, 9));
                assertEquals(6, c.addressLength(named, 9));
                assertEquals(-1, c.port(named, 9));
                assertEquals(UnixDomainSocketAddress.of("/tmp/s"), c.decode(named, 9));
                // Length without the NUL: the path still ends at the length.
                assertEquals(UnixDomainSocketAddress.of("/tmp/s"), c.decode(named, 8));
                // Unnamed peer: only the header, or a header and an empty path.
                for (int len : new int[] {2, 16}) {
                    MemorySegment unnamed = bytes(arena, len, 1);
                    assertEquals(0, c.addressLength(unnamed, len));
                    assertEquals(UnixDomainSocketAddress.of(""), c.decode(unnamed, len));
                }
                // A full sun_path[104] without NUL stops at 104 bytes, not at the buffer's end.
                MemorySegment full = arena.allocate(128);
                full.fill((byte) 'a');
                full.set(ValueLayout.JAVA_BYTE, 0, (byte) 106);
                full.set(ValueLayout.JAVA_BYTE, 1, (byte) 1);
                assertEquals(104, c.addressLength(full, 128));
                assertEquals(UnixDomainSocketAddress.of("a".repeat(104)), c.decode(full, 128));
            }
        }
    }

    @Test
    void truncatedLengthsAreRejectedNotOverread() throws Exception {
        for (SockaddrCodec c : new SockaddrCodec[] {FREEBSD, MACOS}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment v4 = bytes(arena, in4());
                for (int len : new int[] {0, 1, 2, 7}) {
                    assertNull(c.family(v4, len), "sockaddr_in cut to " + len);
                    assertEquals(-1, c.port(v4, len));
                    assertEquals(-1, c.addressLength(v4, len));
                    final int l = len;
                    assertThrows(SocketException.class, () -> c.decode(v4, l));
                    assertThrows(SocketException.class, () -> c.copyAddress(v4, l, new byte[16]));
                }
                assertEquals(StandardProtocolFamily.INET, c.family(v4, 8), "sin_addr complete at 8 bytes");
                int family6 = c == FREEBSD ? 28 : 30;
                MemorySegment v6 = bytes(arena, in6(family6));
                assertNull(c.family(v6, 23));
                assertThrows(SocketException.class, () -> c.decode(v6, 23));
                // Address complete but no room for sin6_scope_id: decodes without a scope.
                assertEquals(0, c.scopeId(v6, 24));
                InetSocketAddress a = (InetSocketAddress) c.decode(v6, 24);
                assertEquals(0, ((Inet6Address) a.getAddress()).getScopeId());
                // A segment shorter than the stated length bounds the read.
                MemorySegment shortSeg = v4.asSlice(0, 6);
                assertNull(c.family(shortSeg, 16));
            }
        }
    }

    @Test
    void linuxLayoutIsNotMistakenForBsd() {
        try (Arena arena = Arena.ofConfined()) {
            // Linux sockaddr_in: u16 family 2 at offset 0 (LE bytes 02 00); byte 1 is 0 = AF_UNSPEC on BSD.
            MemorySegment linux = bytes(arena, 2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);
            assertNull(FREEBSD.family(linux, 16));
            assertNull(MACOS.family(linux, 16));
        }
    }
}
