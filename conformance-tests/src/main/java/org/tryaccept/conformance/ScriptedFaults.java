package org.tryaccept.conformance;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.FaultInjector;

/**
 * A {@link FaultInjector} that answers the provider's accept calls from a script, and records every fd
 * the provider got from the kernel (accepted fds, transient duplicates) and every close, so a test can
 * prove that nothing leaked. Once the script is used up, every call is real.
 *
 * <pre>{@code
 * ScriptedFaults faults = new ScriptedFaults(List.of(Step.errno(Errno.EINTR), Step.errno(Errno.EMFILE), Step.pass()));
 * ServerSocketsProvider p = myProvider.withFaults(faults);
 * }</pre>
 *
 * @since 0.1
 */
public final class ScriptedFaults implements FaultInjector {

    /** What the next accept call does. */
    public enum Action { PASS, ERRNO, FCNTL_FAILS }

    /**
     * One scripted accept result.
     *
     * @param action pass to the real accept, fail with {@code errno}, or pass and then make the next
     *               fcntl on the new fd fail with {@code errno} (providers that set flags with fcntl)
     * @param errno  the injected error, null for PASS
     */
    public record Step(Action action, Errno errno) {
        public static Step pass() {
            return new Step(Action.PASS, null);
        }

        public static Step errno(Errno errno) {
            return new Step(Action.ERRNO, errno);
        }

        public static Step fcntlFails(Errno errno) {
            return new Step(Action.FCNTL_FAILS, errno);
        }

        @Override
        public String toString() {
            return switch (action) {
                case PASS -> "success";
                case ERRNO -> errno.name();
                case FCNTL_FAILS -> "success+fcntl " + errno;
            };
        }
    }

    private final Deque<Step> script;
    private final Set<Integer> handedOut = new LinkedHashSet<>();
    private Errno fcntlFailure;
    private boolean fcntlFailureUsed;

    public ScriptedFaults(List<Step> script) {
        this.script = new ArrayDeque<>(script);
    }

    /** @return how many scripted steps are left */
    public synchronized int remaining() {
        return script.size();
    }

    /** @return fds the provider got from the kernel and has not closed */
    public synchronized Set<Integer> openFds() {
        return Set.copyOf(handedOut);
    }

    /**
     * @return true if an armed fcntl failure was delivered since the last call of this method (false:
     *         the provider made no fcntl on the new fd, as with accept4)
     */
    public synchronized boolean takeFcntlFailureUsed() {
        boolean used = fcntlFailureUsed;
        fcntlFailureUsed = false;
        fcntlFailure = null;
        return used;
    }

    @Override
    public synchronized Errno beforeAccept(String call) {
        Step step = script.poll();
        if (step == null || step.action() == Action.PASS) {
            return null;
        }
        if (step.action() == Action.FCNTL_FAILS) {
            fcntlFailure = step.errno();
            return null;
        }
        return step.errno();
    }

    @Override
    public synchronized Errno beforeFcntl(int acceptedFd, String call) {
        Errno e = fcntlFailure;
        if (e != null) {
            fcntlFailure = null;
            fcntlFailureUsed = true;
        }
        return e;
    }

    @Override
    public synchronized void opened(int fd, String call) {
        handedOut.add(fd);
    }

    @Override
    public synchronized void closed(int fd) {
        handedOut.remove(fd);
    }
}
