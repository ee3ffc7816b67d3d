package org.tryaccept.conformance;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.tryaccept.internal.ForwardingSyscalls;
import org.tryaccept.internal.Platform;
import org.tryaccept.internal.Syscalls;

/**
 * A {@link Syscalls} that answers the provider's accept calls from a script and passes everything else
 * to the real calls below, recording every fd the kernel hands out (accept, dup) and every close, so a
 * test can prove that nothing leaked.
 *
 * <p>While the script has entries, {@code poll} reports the listener readable, so each scripted entry
 * is reached through the provider's normal path; once it is used up, all calls are real.
 *
 * <pre>{@code
 * ScriptedSyscalls sys = new ScriptedSyscalls(LibcSyscalls.INSTANCE, platform,
 *         List.of(Step.errno("EINTR"), Step.errno("EMFILE"), Step.pass()));
 * ServerSocketsProvider p = new MyProvider(sys, null);
 * }</pre>
 */
public final class ScriptedSyscalls extends ForwardingSyscalls {

    /** What the next accept call does. */
    public enum Action { PASS, ERRNO, FCNTL_FAILS }

    /**
     * One scripted accept result.
     *
     * @param action    pass to the real accept, fail with {@code errnoName}, or pass and then make the
     *                  first fcntl on the new fd fail with {@code errnoName}
     * @param errnoName symbolic errno (looked up in the platform's table), null for PASS
     */
    public record Step(Action action, String errnoName) {
        public static Step pass() {
            return new Step(Action.PASS, null);
        }

        public static Step errno(String name) {
            return new Step(Action.ERRNO, name);
        }

        public static Step fcntlFails(String name) {
            return new Step(Action.FCNTL_FAILS, name);
        }

        @Override
        public String toString() {
            return switch (action) {
                case PASS -> "success";
                case ERRNO -> errnoName;
                case FCNTL_FAILS -> "success+fcntl " + errnoName;
            };
        }
    }

    private final Platform platform;
    private final Deque<Step> script;
    private final Set<Integer> handedOut = new LinkedHashSet<>();
    private int fcntlFailsOn = -1;
    private String fcntlErrno;

    public ScriptedSyscalls(Syscalls real, Platform platform, List<Step> script) {
        super(real);
        this.platform = platform;
        this.script = new ArrayDeque<>(script);
    }

    /** @return how many scripted steps are left */
    public synchronized int remaining() {
        return script.size();
    }

    /** @return fds handed out by accept or dup (through this seam) and not yet closed through it */
    public synchronized Set<Integer> openFds() {
        return Set.copyOf(handedOut);
    }

    @Override
    public synchronized int poll(int fd, int events) {
        return script.isEmpty() ? real.poll(fd, events) : (events & platform.pollin());
    }

    @Override
    public synchronized int dupCloexec(int fd, int fDupfdCloexec) {
        return track(real.dupCloexec(fd, fDupfdCloexec));
    }

    @Override
    public synchronized int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        return scripted(() -> real.accept4(fd, addr, addrlen, flags));
    }

    @Override
    public synchronized int accept(int fd, MemorySegment addr, MemorySegment addrlen) {
        return scripted(() -> real.accept(fd, addr, addrlen));
    }

    private int scripted(java.util.function.IntSupplier realAccept) {
        Step step = script.poll();
        if (step == null) {
            return track(realAccept.getAsInt());
        }
        if (step.action() == Action.ERRNO) {
            return -platform.errno().number(step.errnoName());
        }
        // A scripted success stands for a client the test has connected; on loopback it may reach the
        // queue a moment after connect() returned, so wait for it a bounded time.
        long deadline = System.nanoTime() + Acceptor.SHOW_UP.toNanos();
        int r;
        while ((r = realAccept.getAsInt()) == -platform.eagain() && System.nanoTime() < deadline) {
            Acceptor.sleepQuietly(1);
        }
        track(r);
        if (r >= 0 && step.action() == Action.FCNTL_FAILS) {
            fcntlFailsOn = r;
            fcntlErrno = step.errnoName();
        }
        return r;
    }

    @Override
    public synchronized int fcntl(int fd, int cmd, int arg) {
        if (fd == fcntlFailsOn && (cmd == platform.fSetfl() || cmd == platform.fSetfd())) {
            fcntlFailsOn = -1;
            return -platform.errno().number(fcntlErrno);
        }
        return real.fcntl(fd, cmd, arg);
    }

    @Override
    public synchronized int close(int fd) {
        int r = real.close(fd);
        handedOut.remove(fd);
        return r;
    }






    private int track(int fd) {
        if (fd >= 0) {
            handedOut.add(fd);
        }
        return fd;
    }
}
