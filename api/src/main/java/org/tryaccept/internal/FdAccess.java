package org.tryaccept.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ServerSocketChannel;

/**
 * Finds the file descriptor number behind a JDK {@link ServerSocketChannel}.
 *
 * <p>The number alone is not safe to act on: once the channel is closed, the number can be reused by
 * any other file. Callers only run read-only {@code poll} on it, and otherwise go through
 * {@link AcceptEngine#duplicate}, which duplicates it and then checks that the channel was still open.
 */
public abstract class FdAccess {
    /** System property that forces a mode: {@code jdk} or {@code discovery}. */
    public static final String MODE_PROPERTY = "org.tryaccept.fdAccess";

    private static final String FLAG_HINT = "--add-exports java.base/sun.nio.ch=" + moduleNameForFlag();

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
     * logs the choice once at INFO.
     */
    public static FdAccess select(Platform platform, Syscalls sys) {
        String forced = System.getProperty(MODE_PROPERTY, "");
        FdAccess chosen;
        if (forced.equals("discovery") || (!forced.equals("jdk") && !JdkFdAccess.isAvailable())) {
            chosen = new FdDiscovery(platform, sys);
        } else {
            chosen = new JdkFdAccess();
        }
        System.Logger log = System.getLogger("org.tryaccept");
        if (chosen instanceof JdkFdAccess) {
            log.log(Level.INFO, "tryaccept: reading channel fds through sun.nio.ch (fast path, enabled by " + FLAG_HINT + ")");
        } else {
            log.log(Level.INFO, "tryaccept: finding channel fds by address (flag-free, about 25 us once per listener); "
                    + FLAG_HINT + " enables the fast path");
        }
        return chosen;
    }

    /** @return the value to put after {@code sun.nio.ch=} for this library as it is loaded now */
    static String moduleNameForFlag() {
        Module m = FdAccess.class.getModule();
        return m.isNamed() ? m.getName() : "ALL-UNNAMED";
    }
}
