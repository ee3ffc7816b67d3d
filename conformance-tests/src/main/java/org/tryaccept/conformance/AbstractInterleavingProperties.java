package org.tryaccept.conformance;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import org.tryaccept.ServerSocketOptions;

/**
 * Model-based property: random sequences of client and listener operations on a real loopback
 * listener, checked step by step against a model of what the accept queue must, may and must not
 * hold.
 *
 * <p>The model records only what the kernel guarantees:
 * <ul>
 * <li><b>must</b>: a plain connect while deferral is off, and any connect that sent data. It reaches
 * the queue a moment after the client's {@code connect} returns, so "must" is checked with a bounded
 * wait.</li>
 * <li><b>must not (yet)</b>: a connect without data while {@code TCP_DEFER_ACCEPT} is on. The kernel keeps
 * it out of the accept queue until data arrives or the deferral runs out; the kit defers for 30 s,
 * far longer than a sequence runs.</li>
 * <li><b>may</b>: a connection reset before accept (closed with {@code SO_LINGER} 0). Linux keeps an
 * established connection in the queue after a reset; accept then either fails with ECONNABORTED (the
 * provider skips it) or, if the reset is not processed yet, returns it. A reset during deferral drops the
 * request. Also "may": a connect deferred when deferral is cleared; the kernel admits it only on its
 * next SYN-ACK retransmission (about a second later), or never within the sequence.</li>
 * </ul>
 * Every returned connection must be one the model admits, and none may come twice. Order is not
 * checked: with deferral, connections enter the queue when their data arrives, not when they connect.
 *
 * @since 0.1
 */
public abstract class AbstractInterleavingProperties implements ProviderUnderTest {

    /** One operation of a sequence. */
    public enum Op { CONNECT, CONNECT_AND_SEND, CONNECT_AND_RESET, TRY_ACCEPT, DEFER_ON, DEFER_OFF }

    private enum Expect { MUST, MAY, MUST_NOT }

    private static final int DEFER_SECONDS = 30;

    @Provide
    Arbitrary<List<Op>> sequences() {
        List<Op> ops = deferralSupported()
                ? List.of(Op.values())
                : List.of(Op.CONNECT, Op.CONNECT_AND_SEND, Op.CONNECT_AND_RESET, Op.TRY_ACCEPT);
        // TRY_ACCEPT is drawn more often so that queues are drained while they are being filled.
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(3, Arbitraries.of(ops)),
                        net.jqwik.api.Tuple.of(2, Arbitraries.just(Op.TRY_ACCEPT)))
                .list().ofMinSize(1).ofMaxSize(25);
    }

    @Provide
    Arbitrary<ListenerKind> tcpKinds() {
        return Arbitraries.of(Arrays.stream(ListenerKind.values()).filter(k -> k.isTcp() && k.isAvailable()).toList());
    }

    @Property(tries = 30, shrinking = ShrinkingMode.BOUNDED)
    void acceptQueueFollowsTheModel(@ForAll("tcpKinds") ListenerKind kind, @ForAll("sequences") List<Op> ops)
            throws IOException {
        Statistics.label("listener").collect(kind);
        Statistics.label("deferral used").collect(ops.contains(Op.DEFER_ON));
        for (Op op : ops) {
            Statistics.label("operations").collect(op);
        }
        Map<SocketAddress, Expect> model = new LinkedHashMap<>();
        List<String> trace = new ArrayList<>();
        Acceptor acceptor = new Acceptor(provider());
        boolean deferring = false;
        int maybesReturned = 0;
        try (LoopbackListener l = LoopbackListener.open(kind, 128)) {
            for (Op op : ops) {
                trace.add(op.name());
                switch (op) {
                    case CONNECT -> model.put(l.connect().getLocalAddress(), deferring ? Expect.MUST_NOT : Expect.MUST);
                    case CONNECT_AND_SEND -> model.put(l.connectAndSend(new byte[] {'x'}).getLocalAddress(), Expect.MUST);
                    case CONNECT_AND_RESET -> {
                        SocketChannel c = l.connect();
                        SocketAddress local = c.getLocalAddress();
                        l.clients().remove(c);
                        c.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                        c.close();
                        model.put(local, Expect.MAY);
                    }
                    case DEFER_ON -> {
                        provider().setOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT, DEFER_SECONDS);
                        deferring = true;
                    }
                    case DEFER_OFF -> {
                        provider().setOption(l.channel(), ServerSocketOptions.TCP_DEFER_ACCEPT, 0);
                        deferring = false;
                        model.replaceAll((a, e) -> e == Expect.MUST_NOT ? Expect.MAY : e);
                    }
                    case TRY_ACCEPT -> {
                        boolean must = model.containsValue(Expect.MUST);
                        Acceptor.Conn c = must ? acceptor.await(l.channel()) : acceptor.tryOnce(l.channel());
                        if (c == null && must) {
                            throw new AssertionError("nothing returned although the model must have " + musts(model)
                                    + "; operations: " + trace);
                        }
                        if (c != null) {
                            maybesReturned += check(c, model, trace) == Expect.MAY ? 1 : 0;
                        }
                    }
                }
            }
            // Drain: everything the model must hold comes out; then only "may" connections.
            while (model.containsValue(Expect.MUST)) {
                Acceptor.Conn c = acceptor.await(l.channel());
                if (c == null) {
                    throw new AssertionError("draining: still missing " + musts(model) + "; operations: " + trace);
                }
                maybesReturned += check(c, model, trace) == Expect.MAY ? 1 : 0;
            }
            Acceptor.Conn c;
            for (int bound = 0; bound < ops.size() && (c = acceptor.tryOnce(l.channel())) != null; bound++) {
                maybesReturned += check(c, model, trace) == Expect.MAY ? 1 : 0;
            }
        }
        Statistics.label("may-connections returned").collect(maybesReturned == 0 ? "none" : "some");
    }

    private Expect check(Acceptor.Conn c, Map<SocketAddress, Expect> model, List<String> trace) throws IOException {
        try {
            Expect e = model.remove(c.remote());
            if (e == null) {
                throw new AssertionError("returned " + c.remote() + ", which the model does not hold (twice, or never"
                        + " connected); operations: " + trace);
            }
            if (e == Expect.MUST_NOT) {
                throw new AssertionError("returned " + c.remote() + ", a connection without data, while deferral was"
                        + " on; operations: " + trace);
            }
            if (!FdChecks.isNonBlocking(c.fd()) || !FdChecks.isCloseOnExec(c.fd())) {
                throw new AssertionError("fd from " + c.remote() + " lacks O_NONBLOCK or FD_CLOEXEC");
            }
            trace.add("  -> " + e.name().toLowerCase() + " " + c.remote());
            return e;
        } finally {
            acceptor(c);
        }
    }

    private void acceptor(Acceptor.Conn c) throws IOException {
        provider().close(c.fd());
    }

    private static List<SocketAddress> musts(Map<SocketAddress, Expect> model) {
        return model.entrySet().stream().filter(e -> e.getValue() == Expect.MUST).map(Map.Entry::getKey).toList();
    }
}
