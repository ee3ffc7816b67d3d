package org.tryaccept.conformance;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.tryaccept.ErrnoException;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * The errno rows of the accept contract (the README's "Errors" table), over random sequences of accept results injected through the
 * provider's fault-injection seam ({@link ServerSocketsProvider#withFaults}, scripted by
 * {@link ScriptedFaults}): EINTR is retried; ECONNABORTED (and on Linux the pending network errors
 * accept(2) lists) skip to the next connection; EAGAIN gives empty; EMFILE, ENFILE, ENOBUFS, ENOMEM,
 * EPERM and a failing fcntl after accept give an {@link ErrnoException} with the right name and text,
 * after which the listener still works and the pending connections are still queued. Every fd the
 * provider got from the kernel is closed or returned: nothing leaks. The provider's own readiness check
 * runs for real: a connection is always queued while scripted steps remain.
 *
 * <p>Subclass it like the other kit classes:
 *
 * <pre>{@code
 * class MyErrnoProperties extends AbstractErrnoContractProperties {
 *     public ServerSocketsProvider provider() { return new MyProvider(); }
 * }
 * }</pre>
 *
 * @since 0.1
 */
public abstract class AbstractErrnoContractProperties implements ProviderUnderTest {

    /** @return the errnos that must become an exception: {@link Errno#RESOURCE} */
    protected List<Errno> hardErrnos() {
        return List.copyOf(Errno.RESOURCE);
    }

    /** One scripted accept result, each kind drawn often enough to show up in the statistics. */
    @Provide
    Arbitrary<ScriptedFaults.Step> steps() {
        List<Tuple.Tuple2<Integer, Arbitrary<ScriptedFaults.Step>>> kinds = new ArrayList<>(List.of(
                Tuple.of(3, Arbitraries.just(ScriptedFaults.Step.pass())),
                Tuple.of(2, Arbitraries.just(ScriptedFaults.Step.errno(Errno.EAGAIN))),
                Tuple.of(2, Arbitraries.just(ScriptedFaults.Step.errno(Errno.EINTR))),
                Tuple.of(3, Arbitraries.of(List.copyOf(goneErrnos())).map(ScriptedFaults.Step::errno)),
                Tuple.of(3, Arbitraries.of(hardErrnos()).map(ScriptedFaults.Step::errno)),
                // Only providers that set flags with fcntl after accept meet this failure; with accept4
                // the step is a plain success (the model accepts either, see Outcome.FCNTL_OR_CONNECTION).
                Tuple.of(1, Arbitraries.just(ScriptedFaults.Step.fcntlFails(Errno.EINVAL)))));
        return Arbitraries.frequencyOf(kinds);
    }

    @Provide
    Arbitrary<List<ScriptedFaults.Step>> scripts() {
        return steps().list().ofMinSize(0).ofMaxSize(16);
    }

    /** What one tryAccept call should give, from the contract table. */
    private record Outcome(String kind, String call, String errnoName) {
        static final Outcome EMPTY = new Outcome("empty", null, null);
        static final Outcome CONNECTION = new Outcome("connection", null, null);
        static final Outcome CONNECTION_OR_EMPTY = new Outcome("connection or empty", null, null);
        static final Outcome FCNTL_OR_CONNECTION = new Outcome("exception fcntl (or connection with accept4)", null, null);

        boolean admits(Outcome actual, boolean fcntlFailureUsed) {
            if (this == FCNTL_OR_CONNECTION) {
                return fcntlFailureUsed ? "fcntl".equals(actual.call()) : actual.equals(CONNECTION);
            }
            return !fcntlFailureUsed && (equals(actual)
                    || (this == CONNECTION_OR_EMPTY && (actual.equals(CONNECTION) || actual.equals(EMPTY))));
        }

        @Override
        public String toString() {
            return call == null ? kind : kind + " " + call + ": " + errnoName;
        }
    }

    @Property(tries = 100, shrinking = ShrinkingMode.BOUNDED)
    void acceptErrnosFollowTheContractTable(@ForAll("scripts") List<ScriptedFaults.Step> script,
                                            @ForAll @IntRange(min = 0, max = 2) int extraClients) throws IOException {
        for (ScriptedFaults.Step s : script) {
            Statistics.label("injected").collect(s.toString());
        }
        Statistics.label("script length").collect(script.isEmpty() ? "0" : script.size() <= 4 ? "1..4" : "5..16");
        long fdsBefore = FdChecks.openFdCount();
        ScriptedFaults faults = new ScriptedFaults(script);
        ServerSocketsProvider provider = provider().withFaults(faults);
        Acceptor acceptor = new Acceptor(provider);
        List<Acceptor.Conn> returned = new ArrayList<>();
        int consuming = (int) script.stream().filter(s -> s.action() != ScriptedFaults.Action.ERRNO).count();
        try (LoopbackListener l = LoopbackListener.open(ListenerKind.IPV4, 64)) {
            List<SocketAddress> clients = new ArrayList<>();
            // One more client than the script consumes: the provider's real readiness check must see a
            // pending connection for every scripted step to be reached.
            for (int i = 0; i < consuming + 1 + extraClients; i++) {
                clients.add(l.connect().getLocalAddress());
            }
            l.awaitPending(Acceptor.SHOW_UP);
            int pending = clients.size();
            Deque<ScriptedFaults.Step> model = new ArrayDeque<>(script);
            List<String> trace = new ArrayList<>();
            while (!model.isEmpty()) {
                Outcome expected = next(model, pending);
                Outcome actual = call(acceptor, l, returned);
                boolean fcntlUsed = faults.takeFcntlFailureUsed();
                trace.add(expected + " -> " + actual);
                if (!expected.admits(actual, fcntlUsed)) {
                    throw new AssertionError("expected " + expected + " but got " + actual + "; calls so far: " + trace);
                }
                if (actual.equals(Outcome.CONNECTION) || "fcntl".equals(actual.call())) {
                    pending--;
                }
            }
            // The script is used up: the connections still queued must all come out, then nothing.
            for (int i = 0; i < pending; i++) {
                Acceptor.Conn c = acceptor.await(l.channel());
                if (c == null) {
                    throw new AssertionError("after the injected errors, only " + i + " of " + pending
                            + " queued connections were returned; calls: " + trace);
                }
                returned.add(c);
            }
            if (acceptor.tryOnce(l.channel()) != null) {
                throw new AssertionError("more connections returned than were made; calls: " + trace);
            }
            for (Acceptor.Conn c : returned) {
                if (!clients.remove(c.remote())) {
                    throw new AssertionError(c.remote() + " returned twice or is no client's address");
                }
                if (!FdChecks.isNonBlocking(c.fd()) || !FdChecks.isCloseOnExec(c.fd())) {
                    throw new AssertionError("fd from " + c.remote() + " lacks O_NONBLOCK or FD_CLOEXEC");
                }
            }
        } finally {
            for (Acceptor.Conn c : returned) {
                acceptor.close(c);
            }
        }
        if (!faults.openFds().isEmpty()) {
            throw new AssertionError("fds handed out by the kernel and never closed: " + faults.openFds());
        }
        AbstractAcceptProperties.assertNoFdLeak(fdsBefore);
    }

    /** The contract's answer to the next call, consuming the scripted steps that call will meet. */
    private Outcome next(Deque<ScriptedFaults.Step> model, int pending) {
        while (!model.isEmpty()) {
            ScriptedFaults.Step s = model.poll();
            switch (s.action()) {
                case PASS:
                    return Outcome.CONNECTION;
                case FCNTL_FAILS:
                    return Outcome.FCNTL_OR_CONNECTION;
                case ERRNO:
                    if (Errno.RETRY.contains(s.errno()) || goneErrnos().contains(s.errno())) {
                        continue; // retried, or that connection is gone: the call goes on
                    }
                    if (s.errno() == Errno.EAGAIN) {
                        return Outcome.EMPTY;
                    }
                    return new Outcome("exception", "accept", s.errno().name());
                default:
                    throw new IllegalStateException();
            }
        }
        // Retries used the script up: the call ends in a real accept. With clients queued it returns
        // one, unless the loopback handshake has not reached the queue yet (then empty; it stays queued).
        return pending > 0 ? Outcome.CONNECTION_OR_EMPTY : Outcome.EMPTY;
    }

    private Outcome call(Acceptor acceptor, LoopbackListener l, List<Acceptor.Conn> returned) throws IOException {
        try {
            Acceptor.Conn c = acceptor.tryOnce(l.channel());
            if (c == null) {
                return Outcome.EMPTY;
            }
            returned.add(c);
            return Outcome.CONNECTION;
        } catch (ErrnoException e) {
            Errno name;
            try {
                name = Errno.valueOf(e.errnoName());
            } catch (IllegalArgumentException notAName) {
                throw new AssertionError("ErrnoException names no errno: " + e.errnoName(), e);
            }
            if (e.errno() <= 0 || !e.getMessage().contains(e.errnoName()) || !e.getMessage().startsWith(e.call() + ": ")) {
                throw new AssertionError("ErrnoException number " + e.errno() + ", name " + name + " and message \""
                        + e.getMessage() + "\" do not follow 'call: NAME (text)'", e);
            }
            // "accept4" and "accept" are the same row of the table; "fcntl(...)" is the flag step.
            String call = e.call().startsWith("fcntl") ? "fcntl" : e.call().startsWith("accept") ? "accept" : e.call();
            return new Outcome("exception", call, Objects.requireNonNull(e.errnoName()));
        }
    }
}
