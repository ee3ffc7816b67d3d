package org.tryaccept.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.util.Arrays;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Issue 6.6: the sockaddr codecs of every layout on random bytes and random lengths (negative,
 * zero, short, larger than the segment). Whatever the input: the accessors never throw, decode
 * throws nothing but SocketException, copyAddress throws SocketException for a malformed address and
 * IndexOutOfBoundsException only when dst is too short, every read stays inside the segment (a heap
 * or native segment of exactly the input size, so an out-of-bounds read would throw), and no result
 * depends on bytes past {@code length}.
 */
class LayoutSockaddrCodecFuzzTest {

    /** The layouts in use; the numbers are those of each OS's <sys/socket.h> and <sys/un.h>. */
    enum Layout {
        LINUX(new LayoutSockaddrCodec(false, 1, 2, 10, 108) /* the Linux layout: <bits/socket.h>, <sys/un.h> */, false, 10),
        FREEBSD(new LayoutSockaddrCodec(true, 1, 2, 28, 104), true, 28),
        MACOS(new LayoutSockaddrCodec(true, 1, 2, 30, 104), true, 30);

        final LayoutSockaddrCodec codec;
        final boolean bsd;
        final int afInet6;

        Layout(LayoutSockaddrCodec codec, boolean bsd, int afInet6) {
            this.codec = codec;
            this.bsd = bsd;
            this.afInet6 = afInet6;
        }
    }

    @Property(tries = 3000)
    void randomBytesAndLengths(@ForAll("layouts") Layout layout, @ForAll("bytes") byte[] bytes,
            @ForAll("lengths") int length, @ForAll("dstSizes") int dstSize, @ForAll boolean nativeMemory) {
        check(layout, bytes, length, dstSize, nativeMemory);
    }

    /** Random bytes are almost never a known family; here the family field always holds one. */
    @Property(tries = 3000)
    void plausibleFamiliesAnyLength(@ForAll("layouts") Layout layout, @ForAll("bytes") byte[] bytes,
            @ForAll("families") int familyIndex, @ForAll("lengths") int length, @ForAll("dstSizes") int dstSize,
            @ForAll boolean nativeMemory) {
        int family = new int[] {1, 2, layout.afInet6}[familyIndex];
        if (layout.bsd) {
            if (bytes.length > 1) {
                bytes[1] = (byte) family;
            }
        } else if (bytes.length > 1) {
            // native byte order: little-endian on the machines this runs on
            bytes[0] = (byte) family;
            bytes[1] = 0;
        }
        check(layout, bytes, length, dstSize, nativeMemory);
    }

    /** An oracle for well-formed IPv4: the decoded address is exactly the bytes the layout puts there. */
    @Property(tries = 1000)
    void wellFormedIpv4DecodesToItsBytes(@ForAll("layouts") Layout layout, @ForAll("ipv4") byte[] ip,
            @ForAll("ports") int port) throws Exception {
        byte[] sa = new byte[16];
        if (layout.bsd) {
            sa[0] = 16;
            sa[1] = 2;
        } else {
            sa[0] = 2;
        }
        sa[2] = (byte) (port >>> 8);
        sa[3] = (byte) port;
        System.arraycopy(ip, 0, sa, 4, 4);
        SocketAddress decoded = layout.codec.decode(MemorySegment.ofArray(sa), 16);
        assertEquals(new InetSocketAddress(InetAddress.getByAddress(ip), port), decoded);
        assertEquals(port, layout.codec.port(MemorySegment.ofArray(sa), 16));
        // one byte short of sockaddr_in's address: malformed
        assertEquals(null, layout.codec.family(MemorySegment.ofArray(sa), 7));
    }

    private static void check(Layout layout, byte[] bytes, int length, int dstSize, boolean nativeMemory) {
        Outcome first;
        Outcome second;
        try (Arena arena = Arena.ofConfined()) {
            first = outcome(layout.codec, segment(arena, bytes, nativeMemory), length, dstSize);
            // Change every byte at or past the length the codec was given: nothing may change.
            int limit = (int) Math.max(0, Math.min((long) length, bytes.length));
            byte[] changed = bytes.clone();
            for (int i = limit; i < changed.length; i++) {
                changed[i] = (byte) ~changed[i];
            }
            second = outcome(layout.codec, segment(arena, changed, nativeMemory), length, dstSize);
        }
        assertEquals(first, second, "a result depends on bytes past length " + length);

        ProtocolFamily family = first.family;
        boolean inet = family == StandardProtocolFamily.INET || family == StandardProtocolFamily.INET6;
        assertEquals(inet, first.port >= 0, "port is -1 exactly when there is none");
        assertTrue(first.port <= 0xffff);
        if (family == null) {
            assertEquals(-1, first.addressLength);
            assertEquals("SocketException", first.copyFailure);
            assertEquals("SocketException", first.decodeFailure);
            return;
        }
        assertTrue(first.addressLength >= 0);
        if (dstSize < first.addressLength) {
            assertEquals("IndexOutOfBoundsException", first.copyFailure);
        } else {
            assertEquals(null, first.copyFailure);
            assertEquals(first.addressLength, first.copied.length);
        }
        if (first.decodeFailure == null) {
            assertNotNull(first.decoded);
            if (inet) {
                InetSocketAddress isa = (InetSocketAddress) first.decoded;
                assertEquals(first.port, isa.getPort());
                if (first.copied != null && family == StandardProtocolFamily.INET) {
                    assertArrayEquals(first.copied, isa.getAddress().getAddress());
                }
            }
        } else {
            // only a Unix-domain path may fail to decode once the family and length are right
            assertEquals(StandardProtocolFamily.UNIX, family);
        }
    }

    private static MemorySegment segment(Arena arena, byte[] bytes, boolean nativeMemory) {
        if (!nativeMemory || bytes.length == 0) {
            return MemorySegment.ofArray(bytes);
        }
        MemorySegment s = arena.allocate(bytes.length, 1);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, s, 0, bytes.length);
        return s;
    }

    /** Everything the codec says about one input, with failures recorded by exception class. */
    private static Outcome outcome(LayoutSockaddrCodec codec, MemorySegment sa, int length, int dstSize) {
        Outcome o = new Outcome();
        o.family = codec.family(sa, length);
        o.rawFamily = codec.rawFamily(sa, length);
        o.port = codec.port(sa, length);
        o.addressLength = codec.addressLength(sa, length);
        o.scopeId = codec.scopeId(sa, length);
        byte[] dst = new byte[dstSize];
        try {
            int n = codec.copyAddress(sa, length, dst);
            o.copied = Arrays.copyOf(dst, n);
        } catch (SocketException | IndexOutOfBoundsException e) {
            o.copyFailure = e.getClass().getSimpleName();
        } catch (Throwable t) {
            fail("copyAddress threw " + t, t);
        }
        try {
            o.decoded = codec.decode(sa, length);
        } catch (SocketException e) {
            o.decodeFailure = "SocketException";
        } catch (Throwable t) {
            fail("decode threw " + t, t);
        }
        return o;
    }

    private static final class Outcome {
        ProtocolFamily family;
        int rawFamily;
        int port;
        int addressLength;
        int scopeId;
        byte[] copied;
        String copyFailure;
        SocketAddress decoded;
        String decodeFailure;

        @Override
        public boolean equals(Object other) {
            return other instanceof Outcome o && family == o.family && rawFamily == o.rawFamily && port == o.port
                    && addressLength == o.addressLength && scopeId == o.scopeId && Arrays.equals(copied, o.copied)
                    && Objects.equals(copyFailure, o.copyFailure) && Objects.equals(decoded, o.decoded)
                    && Objects.equals(decodeFailure, o.decodeFailure);
        }

        @Override
        public int hashCode() {
            return Objects.hash(family, port, addressLength);
        }

        @Override
        public String toString() {
            return "family=" + family + " raw=" + rawFamily + " port=" + port + " addressLength=" + addressLength
                    + " scope=" + scopeId + " copied=" + Arrays.toString(copied) + " copyFailure=" + copyFailure
                    + " decoded=" + decoded + " decodeFailure=" + decodeFailure;
        }
    }

    @Provide
    Arbitrary<Layout> layouts() {
        return Arbitraries.of(Layout.values());
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(160);
    }

    @Provide
    Arbitrary<Integer> lengths() {
        return Arbitraries.oneOf(
                Arbitraries.integers(),
                Arbitraries.integers().between(-4, 170),
                Arbitraries.of(Integer.MIN_VALUE, Integer.MAX_VALUE, -1, 0, 1, 2, 3, 7, 8, 15, 16, 23, 24, 27, 28,
                        106, 108, 110, 128, 129));
    }

    @Provide
    Arbitrary<Integer> dstSizes() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 20), Arbitraries.integers().between(0, 130));
    }

    @Provide
    Arbitrary<Integer> families() {
        return Arbitraries.integers().between(0, 2);
    }

    @Provide
    Arbitrary<byte[]> ipv4() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4);
    }

    @Provide
    Arbitrary<Integer> ports() {
        return Arbitraries.integers().between(0, 65535);
    }
}
