package org.tryaccept.internal;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;

/**
 * An OS's cheaper way to ask "is a connection pending?" than {@code poll(2)} (Linux: one process-wide
 * epoll instance, in impl-linux). The engine uses {@code poll} when a provider has none, or when
 * {@link #check} answers {@link #USE_POLL}.
 */
public interface Readiness {
    /** Returned by {@link #check} when the caller should ask {@code poll} instead. */
    int USE_POLL = Integer.MIN_VALUE;

    /**
     * @param n the JDK's fd number of {@code ch}: read it, borrow through {@link ListenerFds}, never act on it
     * @return poll-style revents for {@code ch} (0 when nothing is pending), or {@link #USE_POLL}
     */
    int check(ServerSocketChannel ch, int n) throws IOException;

    /** @return a short name for reports, e.g. "epoll" */
    String mode();
}
