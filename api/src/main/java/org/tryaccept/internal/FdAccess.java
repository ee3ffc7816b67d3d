package org.tryaccept.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ServerSocketChannel;

/**
 * Finds the file descriptor number behind a JDK {@link ServerSocketChannel}.
 *
 * <p>The number alone is not safe to act on: once the channel is closed, the number can be reused by
 * any other file. Callers only run read-only {@code poll} on it, and otherwise go through
 * {@link ListenerFds#borrow}, which duplicates it and then checks that the channel was still open.
 */
public abstract class FdAccess {
    /** System property that forces a mode: {@code acceptlock}, {@code jdk} or {@code discovery}. */
    public static final String MODE_PROPERTY = "org.tryaccept.fdAccess";

    /** The JVM flag that enables the fast path, spelled for this library as it is loaded now. */
    static final String FLAG_HINT = "--add-exports java.base/sun.nio.ch=" + moduleNameForFlag();

    /** The JVM flag that enables the fastest path (no duplicate per accept), spelled likewise. */
    static final String OPENS_HINT = "--add-opens java.base/sun.nio.ch=" + moduleNameForFlag();

    /**
     * @return the JDK's fd number for {@code ch}; may be stale if {@code ch} is closed concurrently
     * @throws java.nio.channels.ClosedChannelException if the channel is closed
     * @throws java.nio.channels.NotYetBoundException   if it must be found by address and is not bound
     */
    public abstract int fdOf(ServerSocketChannel ch) throws IOException;

    /** @return "jdk-acceptlock", "jdk-internal" or "discovery" */
    public abstract String mode();

    /**
     * @return the channel's own {@code acceptLock} when this mode may act on the JDK's fd number while
     *         holding it (see {@link AcceptLockFdAccess}), else null: borrow a duplicate instead
     */
    public java.util.concurrent.locks.ReentrantLock acceptLock(ServerSocketChannel ch) {
        return null;
    }

    /**
     * Chooses, once: the acceptLock path when {@code sun.nio.ch} is opened to this library and the JDK's
     * internals are as expected; else the fd number through {@code sun.nio.ch} when it is exported;
     * else discovery. Logs the choice once at DEBUG (a library should not talk on every start; the
     * README says how to see it).
     */
    static FdAccess select(Platform platform, Syscalls sys) {
        String forced = System.getProperty(MODE_PROPERTY, "");
        FdAccess chosen = null;
        String noLock = null;
        if (forced.isEmpty() || forced.equals("acceptlock")) {
            chosen = AcceptLockFdAccess.resolve();
            noLock = AcceptLockFdAccess.whyNot();
        }
        if (chosen == null) {
            if (forced.equals("discovery") || (!forced.equals("jdk") && !JdkFdAccess.isAvailable())) {
                chosen = new FdDiscovery(platform, sys);
            } else {
                chosen = new JdkFdAccess();
            }
        }
        System.Logger log = System.getLogger("org.tryaccept");
        if (chosen instanceof AcceptLockFdAccess) {
            log.log(Level.DEBUG, "tryaccept: accepting on the channel's own fd under its acceptLock "
                    + "(fastest path, no duplicate per accept; enabled by " + OPENS_HINT + ")");
        } else if (chosen instanceof JdkFdAccess) {
            log.log(Level.DEBUG, "tryaccept: reading channel fds through sun.nio.ch (fast path, enabled by " + FLAG_HINT
                    + "); a transient duplicate per accept" + acceptLockNote(noLock));
        } else {
            log.log(Level.DEBUG, "tryaccept: finding channel fds by address (flag-free, about 25 us once per listener); "
                    + FLAG_HINT + " enables the fast path, " + OPENS_HINT + " the fastest" + acceptLockNote(noLock));
        }
        return chosen;
    }

    private static String acceptLockNote(String whyNot) {
        return whyNot == null || whyNot.startsWith("sun.nio.ch is not opened")
                ? "" : " (acceptLock path not used: " + whyNot + ")";
    }

    /**
     * Builds the fd access of a given mode, for tests and benchmarks that compare the two.
     *
     * @param mode "acceptlock", "jdk" or "discovery"
     * @throws IllegalStateException for "acceptlock" when this JVM cannot use it (no --add-opens)
     */
    public static FdAccess of(String mode, Platform platform, Syscalls sys) {
        return switch (mode) {
            case "acceptlock" -> {
                AcceptLockFdAccess a = AcceptLockFdAccess.resolve();
                if (a == null) {
                    throw new IllegalStateException("acceptlock fd access unavailable: " + AcceptLockFdAccess.whyNot());
                }
                yield a;
            }
            case "jdk" -> new JdkFdAccess();
            case "discovery" -> new FdDiscovery(platform, sys);
            default -> throw new IllegalArgumentException("fd access mode is acceptlock, jdk or discovery, got " + mode);
        };
    }

    /** @return the value to put after {@code sun.nio.ch=} for this library as it is loaded now */
    private static String moduleNameForFlag() {
        Module m = FdAccess.class.getModule();
        return m.isNamed() ? m.getName() : "ALL-UNNAMED";
    }
}
