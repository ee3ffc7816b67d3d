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
import org.tryaccept.AcceptBuffer;
import org.tryaccept.ErrnoException;
import org.tryaccept.internal.LibcSyscalls;
import org.tryaccept.internal.Platform;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * The errno rows of the section 3 table, over random sequences of accept results injected below the
 * provider ({@link ScriptedSyscalls}): EINTR is retried; ECONNABORTED (and on Linux the pending network
 * errors accept(2) lists) skip to the next connection; EAGAIN gives empty; EMFILE, ENFILE, ENOBUFS,
 * ENOMEM, EPERM and a failing fcntl after accept give an {@link ErrnoException} with the right number,
 * name and call, after which the listener still works and the pending connections are still queued.
 * Every fd the kernel handed out is closed or returned: nothing leaks.
 *
 * <p>Errno numbers come from the provider's platform table, so the class runs unchanged against other
 * OSes' constants. Subclass it with a factory that builds your provider over given system calls:
 *
 * <pre>{@code
 * class MyErrnoProperties extends AbstractErrnoContractProperties {
 *     protected ProviderFactory factory() { return (sys, fds) -> new MyProvider(sys, fds); }
 * }
 * }</pre>
 */
public abstract class AbstractErrnoContractProperties implements ProviderUnderTest {

    /** The errnos the accept(2) man page says to treat like EAGAIN on Linux (section 9.2). */
    public static final List<String> LINUX_PENDING_NETWORK_ERRORS = List.of(
            "ENETDOWN", "EPROTO", "ENOPROTOOPT", "EHOSTDOWN", "ENONET", "EHOSTUNREACH", "EOPNOTSUPP", "ENETUNREACH");

    /** The resource and permission errnos that must surface as an exception. */
    public static final List<String> HARD_ERRNOS = List.of("EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "EPERM");

    /** @return builds the provider under test over given system calls */
    protected abstract ProviderFactory factory();

    /** @return the real system calls the script passes through to (the kernel of this host) */
    protected Syscalls realSyscalls() {
        return LibcSyscalls.INSTANCE;
    }

    @Override
    public ServerSocketsProvider provider() {
        return factory().create(realSyscalls(), null);
    }

    /**
     * @return the errnos that mean "this connection is gone, take the next": ECONNABORTED everywhere,
     *         plus the pending network errors on Linux
     */
    protected List<String> goneErrnoNames() {
        List<String> names = new ArrayList<>(List.of("ECONNABORTED"));
        if (platform().os().startsWith("Linux")) {
            names.addAll(LINUX_PENDING_NETWORK_ERRORS);
        }
        return names.stream().filter(platform().errno()::has).toList();
    }

    /** @return the errnos that must become an exception */
    protected List<String> hardErrnoNames() {
        return HARD_ERRNOS.stream().filter(platform().errno()::has).toList();
    }

    /** One scripted accept result, each kind drawn often enough to show up in the statistics. */
    @Provide
    Arbitrary<ScriptedSyscalls.Step> steps() {
        Platform p = platform();
        List<Tuple.Tuple2<Integer, Arbitrary<ScriptedSyscalls.Step>>> kinds = new ArrayList<>(List.of(
                Tuple.of(3, Arbitraries.just(ScriptedSyscalls.Step.pass())),
                Tuple.of(2, Arbitraries.just(ScriptedSyscalls.Step.errno("EAGAIN"))),
                Tuple.of(2, Arbitraries.just(ScriptedSyscalls.Step.errno("EINTR"))),
                Tuple.of(3, Arbitraries.of(goneErrnoNames()).map(ScriptedSyscalls.Step::errno)),
                Tuple.of(3, Arbitraries.of(hardErrnoNames()).map(ScriptedSyscalls.Step::errno))));
        if (!p.usesAccept4()) {
            // Only accept-then-fcntl platforms have an fcntl after accept that can fail.
            kinds.add(Tuple.of(2, Arbitraries.just(ScriptedSyscalls.Step.fcntlFails("EINVAL"))));
        }
        return Arbitraries.frequencyOf(kinds);
    }

    @Provide
    Arbitrary<List<ScriptedSyscalls.Step>> scripts() {
        return steps().list().ofMinSize(0).ofMaxSize(16);
    }

    /** What one tryAccept call should give, from the contract table. */
    private record Outcome(String kind, String call, String errnoName) {
        static final Outcome EMPTY = new Outcome("empty", null, null);
        static final Outcome CONNECTION = new Outcome("connection", null, null);
        static final Outcome CONNECTION_OR_EMPTY = new Outcome("connection or empty", null, null);

        boolean admits(Outcome actual) {
            return equals(actual) || (this == CONNECTION_OR_EMPTY && (actual.equals(CONNECTION) || actual.equals(EMPTY)));
        }

        @Override
        public String toString() {
            return call == null ? kind : kind + " " + call + ": " + errnoName;
        }
    }

    @Property(tries = 100, shrinking = ShrinkingMode.BOUNDED)
    void acceptErrnosFollowTheContractTable(@ForAll("scripts") List<ScriptedSyscalls.Step> script,
                                            @ForAll @IntRange(min = 0, max = 2) int extraClients) throws IOException {
        Platform p = platform();
        for (ScriptedSyscalls.Step s : script) {
            Statistics.label("injected").collect(s.toString());
        }
        Statistics.label("script length").collect(script.isEmpty() ? "0" : script.size() <= 4 ? "1..4" : "5..16");
        long fdsBefore = FdChecks.openFdCount();
        ScriptedSyscalls sys = new ScriptedSyscalls(realSyscalls(), p, script);
        ServerSocketsProvider provider = factory().create(sys, null);
        Acceptor acceptor = new Acceptor(provider);
        List<Acceptor.Conn> returned = new ArrayList<>();
        int consuming = (int) script.stream().filter(s -> s.action() != ScriptedSyscalls.Action.ERRNO).count();
        try (LoopbackListener l = LoopbackListener.open(ListenerKind.IPV4, 64)) {
            List<SocketAddress> clients = new ArrayList<>();
            for (int i = 0; i < consuming + extraClients; i++) {
                clients.add(l.connect().getLocalAddress());
            }
            int pending = clients.size();
            Deque<ScriptedSyscalls.Step> model = new ArrayDeque<>(script);
            List<String> trace = new ArrayList<>();
            while (!model.isEmpty()) {
                Outcome expected = next(model, p, pending);
                Outcome actual = call(acceptor, l, returned);
                trace.add(expected + " -> " + actual);
                if (!expected.admits(actual)) {
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
                if (!FdChecks.isNonBlocking(realSyscalls(), p, c.fd()) || !FdChecks.isCloseOnExec(realSyscalls(), p, c.fd())) {
                    throw new AssertionError("fd from " + c.remote() + " lacks O_NONBLOCK or FD_CLOEXEC");
                }
            }
        } finally {
            for (Acceptor.Conn c : returned) {
                acceptor.close(c);
            }
        }
        if (!sys.openFds().isEmpty()) {
            throw new AssertionError("fds handed out by the kernel and never closed: " + sys.openFds());
        }
        AbstractAcceptProperties.assertNoFdLeak(fdsBefore);
    }

    /** The contract's answer to the next call, consuming the scripted steps that call will meet. */
    private Outcome next(Deque<ScriptedSyscalls.Step> model, Platform p, int pending) {
        List<String> gone = goneErrnoNames();
        while (!model.isEmpty()) {
            ScriptedSyscalls.Step s = model.poll();
            switch (s.action()) {
                case PASS:
                    return Outcome.CONNECTION;
                case FCNTL_FAILS:
                    return new Outcome("exception", "fcntl", s.errnoName());
                case ERRNO:
                    if (s.errnoName().equals("EINTR") || gone.contains(s.errnoName())) {
                        continue; // retried, or that connection is gone: the call goes on
                    }
                    if (s.errnoName().equals("EAGAIN")) {
                        return Outcome.EMPTY;
                    }
                    return new Outcome("exception", p.acceptCall(), s.errnoName());
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
            String name = platform().errno().name(e.errno());
            if (!name.equals(e.errnoName()) || !e.getMessage().contains(e.errnoName())) {
                throw new AssertionError("ErrnoException number " + e.errno() + " and name " + e.errnoName()
                        + " disagree (message: " + e.getMessage() + ")", e);
            }
            String call = e.call().startsWith("fcntl") ? "fcntl" : e.call();
            return new Outcome("exception", call, Objects.requireNonNull(e.errnoName()));
        }
    }
}
