package org.tryaccept.spi;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The symbolic errno names tryaccept knows, each with its description, written once for every OS.
 * An OS only maps its numbers to these names (92 is {@code ENOPROTOOPT} on Linux and {@code EPROTO}
 * on FreeBSD), so errno numbers are never compared across systems.
 *
 * <p>It also names, once, the classes of accept errors that the contract (DESIGN section 3) treats
 * alike, for providers and the conformance kit:
 *
 * <pre>{@code
 * Errno e = Errno.ECONNABORTED;
 * boolean skip = Errno.CONNECTION_GONE.contains(e);     // true: take the next connection
 * }</pre>
 *
 * @since 0.1
 */
public enum Errno {
    EPERM("Operation not permitted"),
    ENOENT("No such file or directory"),
    EINTR("Interrupted system call"),
    EBADF("Bad file descriptor"),
    EAGAIN("Resource temporarily unavailable"),
    ENOMEM("Cannot allocate memory"),
    EFAULT("Bad address"),
    EINVAL("Invalid argument"),
    ENFILE("Too many open files in system"),
    EMFILE("Too many open files"),
    EPIPE("Broken pipe"),
    ENONET("Machine is not on the network"),
    EPROTO("Protocol error"),
    ENOTSOCK("Socket operation on non-socket"),
    ENOPROTOOPT("Protocol not available"),
    EOPNOTSUPP("Operation not supported"),
    /** The same number as {@link #EOPNOTSUPP} on Linux and FreeBSD; a different one on macOS. */
    ENOTSUP("Operation not supported"),
    EADDRINUSE("Address already in use"),
    ENETDOWN("Network is down"),
    ENETUNREACH("Network is unreachable"),
    ECONNABORTED("Software caused connection abort"),
    ECONNRESET("Connection reset by peer"),
    ENOBUFS("No buffer space available"),
    ENOTCONN("Transport endpoint is not connected"),
    ETIMEDOUT("Connection timed out"),
    ECONNREFUSED("Connection refused"),
    EHOSTDOWN("Host is down"),
    EHOSTUNREACH("No route to host"),
    EINPROGRESS("Operation now in progress"),
    EEXIST("File exists");

    /** Retried at once: the call was interrupted by a signal before it did anything. */
    public static final Set<Errno> RETRY = Collections.unmodifiableSet(EnumSet.of(EINTR));

    /**
     * The connection at the head of the accept queue died before it was accepted (accept(2),
     * ECONNABORTED, on every OS): skip it and take the next one, or report nothing pending.
     */
    public static final Set<Errno> CONNECTION_GONE = Collections.unmodifiableSet(EnumSet.of(ECONNABORTED));

    /**
     * Network errors that Linux's accept(2) passes on from the new socket and that its man page
     * ("Error handling") says to treat like EAGAIN by retrying. Only Linux reports them through accept;
     * a Linux provider adds them to {@link #CONNECTION_GONE}.
     */
    public static final Set<Errno> PENDING_NETWORK_ERRORS = Collections.unmodifiableSet(EnumSet.of(
            ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH));

    /** Resource and permission errors that the accept contract surfaces as an exception. */
    public static final Set<Errno> RESOURCE = Collections.unmodifiableSet(EnumSet.of(
            EMFILE, ENFILE, ENOBUFS, ENOMEM, EPERM));

    private final String description;

    Errno(String description) {
        this.description = description;
    }

    /** @return the short human text, e.g. {@code "Too many open files"} for {@link #EMFILE} */
    public String description() {
        return description;
    }
}
