package org.tryaccept.conformance;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;
import org.tryaccept.spi.SockaddrCodec;

/**
 * Properties of a {@link SockaddrCodec} on byte fixtures written by the kit's own {@link SockaddrLayout}
 * encoder: decoding gives what the JDK reports (IPv4-mapped folded to {@code Inet4Address}, scope id
 * kept, Unix paths), the allocation-free accessors agree with it, and truncated or garbage input never
 * reads out of bounds. No sockets: this runs for any OS's layout on any host, e.g. the BSD codecs on
 * Linux.
 *
 * <pre>{@code
 * class FreeBsdCodecProperties extends AbstractSockaddrCodecProperties {
 *     protected SockaddrCodec codec() { return myProvider.sockaddrCodec(); }
 *     protected SockaddrLayout layout() { return new SockaddrLayout(true, 1, 2, 28, 104); }
 * }
 * }</pre>
 *
 * @since 0.1
 */
public abstract class AbstractSockaddrCodecProperties {

    /** @return the codec under test */
    protected abstract SockaddrCodec codec();

    /** @return the layout of the same OS, from its documented constants */
    protected abstract SockaddrLayout layout();

    /** IPv6 addresses: random, loopback, link-local (with scope ids) and IPv4-mapped. */
    @Provide
    Arbitrary<byte[]> ipv6Addresses() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofSize(16);
        Arbitrary<byte[]> mapped = Arbitraries.bytes().array(byte[].class).ofSize(4).map(v4 -> {
            byte[] a = new byte[16];
            a[10] = -1;
            a[11] = -1;
            System.arraycopy(v4, 0, a, 12, 4);
            return a;
        });
        Arbitrary<byte[]> linkLocal = random.map(a -> {
            byte[] b = a.clone();
            b[0] = (byte) 0xfe;
            b[1] = (byte) 0x80;
            return b;
        });
        return Arbitraries.oneOf(random, mapped, linkLocal);
    }

    @Property(tries = 200)
    void ipv4DecodesAsTheJdkReportsIt(@ForAll @Size(4) byte[] address, @ForAll @IntRange(max = 65535) int port)
            throws Exception {
        MemorySegment sa = layout().inet(address, port);
        SocketAddress decoded = codec().decode(sa, 16);
        InetSocketAddress expected = new InetSocketAddress(InetAddress.getByAddress(address), port);
        check(expected.equals(decoded), "decode gave " + decoded + ", expected " + expected);
        check(codec().family(sa, 16) == StandardProtocolFamily.INET, "family " + codec().family(sa, 16));
        check(codec().port(sa, 16) == port, "port " + codec().port(sa, 16));
        byte[] copy = new byte[codec().addressLength(sa, 16)];
        codec().copyAddress(sa, 16, copy);
        check(Arrays.equals(copy, address), "copyAddress " + Arrays.toString(copy));
    }

    @Property(tries = 200)
    void ipv6DecodesAsTheJdkReportsIt(@ForAll("ipv6Addresses") byte[] address,
                                      @ForAll @IntRange(max = 65535) int port,
                                      @ForAll @IntRange(max = 64) int scopeId,
                                      @ForAll int flowInfo) throws Exception {
        InetAddress plain = InetAddress.getByAddress(address); // folds ::ffff:a.b.c.d, as the JDK reports peers
        boolean mapped = !(plain instanceof Inet6Address);
        int scope = mapped ? 0 : scopeId;
        Statistics.label("ipv6 kind").collect(mapped ? "v4-mapped" : scope != 0 ? "with scope id" : "plain");
        MemorySegment sa = layout().inet6(address, port, flowInfo, scope);
        InetAddress expectedAddress = scope != 0 ? Inet6Address.getByAddress(null, address, scope) : plain;
        InetSocketAddress expected = new InetSocketAddress(expectedAddress, port);
        SocketAddress decoded = codec().decode(sa, 28);
        check(expected.equals(decoded) && ((InetSocketAddress) decoded).getAddress().getClass() == expectedAddress.getClass(),
                "decode gave " + decoded + ", expected " + expected);
        if (scope != 0) {
            check(((Inet6Address) ((InetSocketAddress) decoded).getAddress()).getScopeId() == scope, "scope id lost");
        }
        check(codec().port(sa, 28) == port, "port " + codec().port(sa, 28));
        check(codec().scopeId(sa, 28) == scope, "scopeId " + codec().scopeId(sa, 28));
    }

    @Provide
    Arbitrary<String> unixPaths() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('/', '.', '-', '_')
                .ofMinLength(1).ofMaxLength(layout().sunPathSize() - 1);
    }

    @Property(tries = 200)
    void unixPathsDecodeToTheirPath(@ForAll("unixPaths") String path) throws Exception {
        byte[] bytes = path.getBytes(StandardCharsets.US_ASCII);
        MemorySegment sa = layout().unix(bytes);
        int length = layout().unixLength(bytes.length);
        Statistics.label("path length").collect(bytes.length < 20 ? "short" : bytes.length < 100 ? "medium" : "near max");
        SocketAddress decoded = codec().decode(sa, length);
        check(UnixDomainSocketAddress.of(path).equals(decoded), "decode gave " + decoded + " for " + path);
        check(codec().family(sa, length) == StandardProtocolFamily.UNIX, "family " + codec().family(sa, length));
        check(codec().port(sa, length) == -1, "a Unix peer has no port");
    }

    /** Garbage of any length: the accessors answer null/-1 or a value, decode a value or SocketException. */
    @Property(tries = 300)
    void anyBytesAndLengthNeverReadOutOfBounds(@ForAll @Size(max = 128) byte[] bytes,
                                               @ForAll @IntRange(min = -1, max = 200) int length) {
        MemorySegment sa = Arena.ofAuto().allocate(Math.max(1, bytes.length), 8);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, sa, 0, bytes.length);
        MemorySegment exact = sa.asSlice(0, bytes.length);
        codec().family(exact, length);
        codec().port(exact, length);
        codec().scopeId(exact, length);
        int n = codec().addressLength(exact, length);
        try {
            SocketAddress a = codec().decode(exact, length);
            check(a != null, "decode returned null");
            if (n >= 0) {
                codec().copyAddress(exact, length, new byte[n]);
            }
        } catch (SocketException expected) {
            Statistics.label("garbage").collect("rejected");
            return;
        }
        Statistics.label("garbage").collect("decoded");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

}
