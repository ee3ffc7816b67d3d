package org.tryaccept.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The Linux sockaddr layout on byte fixtures written by hand from <netinet/in.h>, <sys/un.h> and <bits/socket.h>:
 * family u16 little-endian at 0, port big-endian at 2, IPv4 at 4, flowinfo at 4 / IPv6 at 8 / scope
 * id (host order) at 24, sun_path at 2.
 */
class LinuxSockaddrFixturesTest {
    private final LayoutSockaddrCodec codec = new LayoutSockaddrCodec(false, 1, 2, 10, 108) /* the Linux layout: <bits/socket.h>, <sys/un.h> */;

    private static MemorySegment bytes(int... b) {
        byte[] a = new byte[128];
        for (int i = 0; i < b.length; i++) {
            a[i] = (byte) b[i];
        }
        return MemorySegment.ofArray(a);
    }

    @Test
    void ipv4() throws Exception {
        // AF_INET=2, port 8080 = 0x1f90, 127.0.0.1
        MemorySegment sa = bytes(2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        assertEquals(StandardProtocolFamily.INET, codec.family(sa, 16));
        assertEquals(8080, codec.port(sa, 16));
        assertEquals(new InetSocketAddress("127.0.0.1", 8080), codec.decode(sa, 16));
        byte[] ip = new byte[4];
        assertEquals(4, codec.copyAddress(sa, 16, ip));
        assertArrayEquals(new byte[] {127, 0, 0, 1}, ip);
    }

    @Test
    void ipv6WithScopeId() throws Exception {
        // AF_INET6=10, port 443, flowinfo 0, fe80::1, scope id 3 (little-endian host order)
        MemorySegment sa = bytes(10, 0, 0x01, 0xbb, 0, 0, 0, 0,
                0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                3, 0, 0, 0);
        assertEquals(StandardProtocolFamily.INET6, codec.family(sa, 28));
        assertEquals(443, codec.port(sa, 28));
        assertEquals(3, codec.scopeId(sa, 28));
        InetSocketAddress a = (InetSocketAddress) codec.decode(sa, 28);
        Inet6Address ip = assertInstanceOf(Inet6Address.class, a.getAddress());
        assertEquals(3, ip.getScopeId());
        assertEquals(Inet6Address.getByAddress(null, InetAddress.getByName("fe80::1").getAddress(), 3), ip);
        assertEquals("/fe80:0:0:0:0:0:0:1%3", ip.toString());
    }

    @Test
    void ipv6WithoutScopeHasNoScopeInItsText() throws Exception {
        MemorySegment sa = bytes(10, 0, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0);
        InetSocketAddress a = (InetSocketAddress) codec.decode(sa, 28);
        assertEquals(new InetSocketAddress("::1", 80), a);
        assertEquals("/0:0:0:0:0:0:0:1", a.getAddress().toString());
    }

    @Test
    void ipv4MappedIsFoldedToInet4() throws Exception {
        MemorySegment sa = bytes(10, 0, 0x30, 0x39, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3, 0, 0, 0, 0);
        InetSocketAddress a = (InetSocketAddress) codec.decode(sa, 28);
        assertInstanceOf(Inet4Address.class, a.getAddress());
        assertEquals(new InetSocketAddress("10.1.2.3", 12345), a);
    }

    @Test
    void unixPathAndUnnamed() throws Exception {
        MemorySegment sa = bytes(1, 0, '/', 't', 'm', 'p', '/', 's', 0);
        assertEquals(StandardProtocolFamily.UNIX, codec.family(sa, 9));
        assertEquals(UnixDomainSocketAddress.of("/tmp/s"), codec.decode(sa, 9));
        assertEquals(6, codec.addressLength(sa, 9));
        assertEquals(-1, codec.port(sa, 9));
        // length without the trailing NUL, as some kernels report it
        assertEquals(UnixDomainSocketAddress.of("/tmp/s"), codec.decode(sa, 8));
        // an unnamed (unbound) client: only the family
        assertEquals(UnixDomainSocketAddress.of(""), codec.decode(bytes(1, 0), 2));
        assertEquals(0, codec.addressLength(bytes(1, 0), 2));
    }

    @Test
    void truncatedLengthsAreMalformedNotOutOfBounds() {
        MemorySegment v4 = bytes(2, 0, 0x1f, 0x90, 127, 0, 0, 1);
        assertNull(codec.family(v4, 7));
        assertEquals(-1, codec.port(v4, 7));
        assertThrows(SocketException.class, () -> codec.decode(v4, 7));
        MemorySegment v6 = bytes(10, 0, 0, 80);
        assertNull(codec.family(v6, 23));
        assertThrows(SocketException.class, () -> codec.decode(v6, 23));
        assertNull(codec.family(v4, 1));
        assertNull(codec.family(v4, -5));
        assertThrows(SocketException.class, () -> codec.decode(bytes(), 0));
        // a length beyond the segment is bounded by the segment
        MemorySegment small = MemorySegment.ofArray(new byte[] {2, 0, 0, 80, 1, 2, 3, 4});
        assertEquals(new InetSocketAddress("1.2.3.4", 80), assertInstanceOf(InetSocketAddress.class, decode(small, 1000)));
    }

    @Test
    void unknownFamilyIsMalformed() {
        MemorySegment sa = bytes(0x77, 0x77, 0, 80, 1, 2, 3, 4);
        assertNull(codec.family(sa, 16));
        SocketException e = assertThrows(SocketException.class, () -> codec.decode(sa, 16));
        assertEquals("malformed sockaddr: family 30583, 16 bytes", e.getMessage());
    }

    private Object decode(MemorySegment sa, int len) {
        try {
            return codec.decode(sa, len);
        } catch (SocketException e) {
            throw new AssertionError(e);
        }
    }
}
