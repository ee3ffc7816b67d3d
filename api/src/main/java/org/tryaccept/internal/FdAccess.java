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
    /** System property that forces a mode: {@code jdk} or {@code discovery}. */
    public static final String MODE_PROPERTY = "org.tryaccept.fdAccess";

    /** The JVM flag that enables the fast path, spelled for this library as it is loaded now. */
    static final String FLAG_HINT = "--add-exports java.base/sun.nio.ch=" + moduleNameForFlag();

    /**
     * @return the JDK's fd number for {@code ch}; may be stale if {@code ch} is closed concurrently
     * @throws java.nio.channels.ClosedChannelException if the channel is closed
     * @throws java.nio.channels.NotYetBoundException   if it must be found by address and is not bound
     */
    public abstract int fdOf(ServerSocketChannel ch) throws IOException;

    /** @return "jdk-internal" or "discovery" */
    public abstract String mode();

    /**
     * Chooses the fast path when {@code sun.nio.ch} is exported to this library, else discovery;
     * logs the choice once at DEBUG (a library should not talk on every start; the README says how
     * to see it).
     */
    static FdAccess select(Platform platform, Syscalls sys) {
        String forced = System.getProperty(MODE_PROPERTY, "");
        FdAccess chosen;
        if (forced.equals("discovery") || (!forced.equals("jdk") && !JdkFdAccess.isAvailable())) {
            chosen = new FdDiscovery(platform, sys);
        } else {
            chosen = new JdkFdAccess();
        }
        System.Logger log = System.getLogger("org.tryaccept");
        if (chosen instanceof JdkFdAccess) {
            log.log(Level.DEBUG, "tryaccept: reading channel fds through sun.nio.ch (fast path, enabled by " + FLAG_HINT + ")");
        } else {
            log.log(Level.DEBUG, "tryaccept: finding channel fds by address (flag-free, about 25 us once per listener); "
                    + FLAG_HINT + " enables the fast path");
        }
        return chosen;
    }

    /**
     * Builds the fd access of a given mode, for tests and benchmarks that compare the two.
     *
     * @param mode "jdk" or "discovery"
     */
    public static FdAccess of(String mode, Platform platform, Syscalls sys) {
        return switch (mode) {
            case "jdk" -> new JdkFdAccess();
            case "discovery" -> new FdDiscovery(platform, sys);
            default -> throw new IllegalArgumentException("fd access mode is jdk or discovery, got " + mode);
        };
    }

    /** @return the value to put after {@code sun.nio.ch=} for this library as it is loaded now */
    private static String moduleNameForFlag() {
        Module m = FdAccess.class.getModule();
        return m.isNamed() ? m.getName() : "ALL-UNNAMED";
    }
}
