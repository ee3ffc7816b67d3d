package org.tryaccept.conformance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;
import org.tryaccept.ServerSocketOptions;

/**
 * Properties over real loopback sockets (127.0.0.1, ::1, dual stack, Unix-domain paths): nothing
 * pending never throws, draining is exact, addresses match the JDK's accept, and deferral holds
 * connections back until data arrives. Tries are bounded so the whole class runs in well under a
 * minute. Subclass it and return your provider:
 *
 * <pre>{@code
 * class MyAcceptProperties extends AbstractAcceptProperties {
 *     public ServerSocketsProvider provider() { return new MyProvider(); }
 * }
 * }</pre>
 *
 * @since 0.1
 */
public abstract class AbstractAcceptProperties implements ProviderUnderTest {

    /** Every listener kind this host supports. */
    @Provide
    Arbitrary<ListenerKind> listenerKinds() {
        return Arbitraries.of(Arrays.stream(ListenerKind.values()).filter(ListenerKind::isAvailable).toList());
    }

    /** TCP listener kinds only (deferral is a TCP option). */
    @Provide
    Arbitrary<ListenerKind> tcpKinds() {
        return Arbitraries.of(Arrays.stream(ListenerKind.values())
                .filter(k -> k.isTcp() && k.isAvailable()).toList());
    }

    /** 0..10,000 calls, with the small counts (0, 1) and the maximum as edge cases. */
    @Provide
    Arbitrary<Integer> callCounts() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0)),
                Tuple.of(3, Arbitraries.integers().between(1, 100)),
                Tuple.of(3, Arbitraries.integers().between(101, 10_000)));
    }

    /** 0..64 pending connections, with 0 drawn often enough to be covered. */
    @Provide
    Arbitrary<Integer> pendingCounts() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0)),
                Tuple.of(4, Arbitraries.integers().between(1, 64)));
    }

    @Property(tries = 40, shrinking = ShrinkingMode.BOUNDED)
    void nothingPendingIsEmptyAndNeverThrows(@ForAll("listenerKinds") ListenerKind kind,
                                             @ForAll @IntRange(min = 1, max = 128) int backlog,
                                             @ForAll boolean deferral,
                                             @ForAll("callCounts") int calls) throws IOException {
        boolean deferralOn = deferral && kind.isTcp() && deferralSupported();
        Statistics.label("listener").collect(kind);
        Statistics.label("deferral").collect(deferralOn ? "on" : deferral ? "asked, not applicable" : "off");
        Statistics.label("calls").collect(calls == 0 ? "0" : calls <= 100 ? "1..100" : "101..10000");
        try (LoopbackListener l = LoopbackListener.open(kind, backlog)) {
            if (deferralOn) {
                provider().setOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT, 30);
            }
            Acceptor acceptor = new Acceptor(provider());
            for (int i = 0; i < calls; i++) {
                int fd = acceptor.tryAcceptFd(l.channel());
                if (fd != -1) {
                    throw new AssertionError("call " + i + " returned " + fd + ", but no connection was made");
                }
            }
        }
    }

    @Property(tries = 30, shrinking = ShrinkingMode.BOUNDED)
    void drainingKPendingYieldsExactlyKThenEmpty(@ForAll("listenerKinds") ListenerKind kind,
                                                 @ForAll("pendingCounts") int k) throws IOException {
        Statistics.label("k").collect(k == 0 ? "0" : k <= 8 ? "1..8" : k <= 32 ? "9..32" : "33..64");
        Statistics.label("listener").collect(kind);
        long fdsBefore = FdChecks.openFdCount();
        Acceptor acceptor = new Acceptor(provider());
        try (LoopbackListener l = LoopbackListener.open(kind, 128)) {
            List<SocketAddress> expected = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                expected.add(l.connect().getLocalAddress());
            }
            List<Acceptor.Conn> got = new ArrayList<>();
            try {
                for (int i = 0; i < k; i++) {
                    Acceptor.Conn c = acceptor.await(l.channel());
                    if (c == null) {
                        throw new AssertionError("only " + i + " of " + k + " pending connections were returned");
                    }
                    got.add(c);
                }
                Acceptor.Conn extra = acceptor.tryOnce(l.channel());
                if (extra != null) {
                    got.add(extra);
                    throw new AssertionError("connection " + (k + 1) + " of " + k + " returned: " + extra);
                }
                for (Acceptor.Conn c : got) {
                    checkFlags(c);
                    if (!expected.remove(c.remote())) {
                        throw new AssertionError("returned remote " + c.remote() + " is no client's local address");
                    }
                }
                if (!expected.isEmpty()) {
                    throw new AssertionError("clients never returned: " + expected);
                }
            } finally {
                for (Acceptor.Conn c : got) {
                    acceptor.close(c);
                }
            }
        }
        assertNoFdLeak(fdsBefore);
    }

    @Property(tries = 30, shrinking = ShrinkingMode.BOUNDED)
    void remoteAddressesMatchTheJdksAccept(@ForAll("listenerKinds") ListenerKind kind,
                                           @ForAll boolean jdkFirst) throws IOException {
        Statistics.label("listener").collect(kind);
        Acceptor acceptor = new Acceptor(provider());
        try (LoopbackListener l = LoopbackListener.open(kind, 16)) {
            SocketAddress jdkRemote = null;
            SocketChannel viaJdk = null;
            Acceptor.Conn viaKit = null;
            SocketChannel jdkClient = null;
            SocketChannel kitClient = null;
            try {
                for (int step = 0; step < 2; step++) {
                    if ((step == 0) == jdkFirst) {
                        jdkClient = l.connect();
                        viaJdk = awaitJdkAccept(l);
                        jdkRemote = viaJdk.getRemoteAddress();
                    } else {
                        kitClient = l.connect();
                        viaKit = acceptor.await(l.channel());
                        if (viaKit == null) {
                            throw new AssertionError("the provider did not return the pending connection");
                        }
                    }
                }
                SocketAddress kitRemote = viaKit.remote();
                if (!kitRemote.getClass().equals(jdkRemote.getClass())) {
                    throw new AssertionError("provider reports a " + kitRemote.getClass().getSimpleName()
                            + ", the JDK a " + jdkRemote.getClass().getSimpleName());
                }
                if (kitRemote instanceof InetSocketAddress kitInet) {
                    InetSocketAddress jdkInet = (InetSocketAddress) jdkRemote;
                    if (!kitInet.getAddress().equals(jdkInet.getAddress())
                            || kitInet.getAddress().getClass() != jdkInet.getAddress().getClass()) {
                        throw new AssertionError("provider address " + kitInet.getAddress() + ", JDK "
                                + jdkInet.getAddress());
                    }
                    if (!kitRemote.equals(kitClient.getLocalAddress()) || !jdkRemote.equals(jdkClient.getLocalAddress())) {
                        throw new AssertionError("remote addresses must equal the clients' local addresses: provider "
                                + kitRemote + " vs " + kitClient.getLocalAddress());
                    }
                    checkRawAccessors(viaKit, kitInet);
                } else {
                    if (!(kitRemote instanceof UnixDomainSocketAddress) || !kitRemote.equals(jdkRemote)) {
                        throw new AssertionError("provider " + kitRemote + ", JDK " + jdkRemote);
                    }
                    if (viaKit.family() != StandardProtocolFamily.UNIX) {
                        throw new AssertionError("codec family " + viaKit.family() + " for a Unix peer");
                    }
                }
            } finally {
                if (viaJdk != null) {
                    viaJdk.close();
                }
                if (viaKit != null) {
                    acceptor.close(viaKit);
                }
            }
        }
    }

    /** Seconds to defer: 1 (the smallest) up to 60. */
    @Provide
    Arbitrary<Integer> deferSeconds() {
        return Arbitraries.integers().between(1, 60).edgeCases(e -> e.includeOnly(1, 60));
    }

    @Property(tries = 20, shrinking = ShrinkingMode.BOUNDED)
    void deferredConnectionWaitsForItsData(@ForAll("tcpKinds") ListenerKind kind,
                                           @ForAll("deferSeconds") int seconds,
                                           @ForAll @Size(min = 1, max = 512) byte[] payload) throws IOException {
        Assume.that(deferralSupported());
        Statistics.label("listener").collect(kind);
        Statistics.label("deferral seconds").collect(seconds < 5 ? "1..4" : seconds < 30 ? "5..29" : "30..60");
        Acceptor acceptor = new Acceptor(provider());
        try (LoopbackListener l = LoopbackListener.open(kind, 16)) {
            provider().setOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT, seconds);
            int read = provider().getOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT);
            if (deferralReportsSeconds() ? read < seconds : read <= 0) {
                throw new AssertionError("getOption after setOption(" + seconds + ") read " + read);
            }
            SocketChannel client = l.connect();
            // Even the shortest deferral (1 s) holds a silent connection for far longer than this window.
            long until = System.nanoTime() + 150_000_000L;
            while (System.nanoTime() < until) {
                Acceptor.Conn early = acceptor.tryOnce(l.channel());
                if (early != null) {
                    acceptor.close(early);
                    throw new AssertionError("a connection without data was returned while deferral was on");
                }
                Acceptor.sleepQuietly(5);
            }
            LoopbackListener.send(client, payload);
            Acceptor.Conn c = acceptor.await(l.channel());
            if (c == null) {
                throw new AssertionError("the connection was not returned after its data arrived");
            }
            try {
                if (!c.remote().equals(client.getLocalAddress())) {
                    throw new AssertionError("remote " + c.remote() + " is not the client " + client.getLocalAddress());
                }
                byte[] got = new byte[payload.length];
                int n = FdChecks.read(c.fd(), got);
                if (n <= 0) {
                    throw new AssertionError("first read of a deferred connection gave "
                            + (n == 0 ? "end of stream" : "errno " + (-n)) + ", not data");
                }
                if (!Arrays.equals(Arrays.copyOf(got, n), Arrays.copyOf(payload, n))) {
                    throw new AssertionError("first read returned other bytes than the client sent");
                }
            } finally {
                acceptor.close(c);
            }
            provider().setOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT, 0);
            int off = provider().getOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT);
            if (off != 0) {
                throw new AssertionError("getOption after setOption(0) read " + off);
            }
        }
    }

    /**
     * The allocation-free accessors report what the kernel wrote: an IPv4-mapped peer of a dual-stack
     * listener is family INET6 with the 16 bytes {@code ::ffff:a.b.c.d}, while {@code remoteAddress()}
     * folds it to the {@code Inet4Address} the JDK reports. Either way the bytes must denote the same
     * address and the port must agree.
     */
    static void checkRawAccessors(Acceptor.Conn c, InetSocketAddress decoded) {
        byte[] v = decoded.getAddress().getAddress();
        byte[] raw = c.rawAddress();
        boolean same = c.family() == (v.length == 4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6)
                && Arrays.equals(raw, v);
        boolean mapped = v.length == 4 && c.family() == StandardProtocolFamily.INET6 && raw.length == 16
                && Arrays.equals(Arrays.copyOfRange(raw, 0, 12), new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1})
                && Arrays.equals(Arrays.copyOfRange(raw, 12, 16), v);
        if (!(same || mapped) || c.port() != decoded.getPort()) {
            throw new AssertionError("codec family/port/bytes " + c.family() + "/" + c.port() + "/"
                    + Arrays.toString(raw) + " disagree with " + decoded);
        }
    }

    private void checkFlags(Acceptor.Conn c) {
        if (!FdChecks.isNonBlocking(c.fd())) {
            throw new AssertionError("fd " + c.fd() + " from " + c.remote() + " is not O_NONBLOCK");
        }
        if (!FdChecks.isCloseOnExec(c.fd())) {
            throw new AssertionError("fd " + c.fd() + " from " + c.remote() + " is not FD_CLOEXEC");
        }
    }

    private static SocketChannel awaitJdkAccept(LoopbackListener l) throws IOException {
        long deadline = System.nanoTime() + Acceptor.SHOW_UP.toNanos();
        SocketChannel s;
        while ((s = l.channel().accept()) == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the JDK's accept() did not see the pending connection");
            }
            Acceptor.sleepQuietly(1);
        }
        return s;
    }

    static void assertNoFdLeak(long before) {
        if (before < 0) {
            return;
        }
        // Closed client sockets are released at once; only our own listing fd is counted twice.
        long after = FdChecks.openFdCount();
        if (after > before) {
            throw new AssertionError((after - before) + " file descriptor(s) leaked (" + before + " open before, "
                    + after + " after); open now: " + FdChecks.openFdTargets());
        }
    }
}
