package org.tryaccept;

import java.net.SocketException;
import java.util.Objects;

/**
 * A system call failed with an errno that the accept contract does not absorb (for example
 * {@code EMFILE}). It carries the errno number of the running OS, its symbolic name, and the name of
 * the call; the message reads like {@code accept4: EMFILE (Too many open files)}.
 *
 * <p>After this exception the listener is unchanged: the connections that were pending stay queued,
 * and a later {@code tryAccept} can take them. Resource errors call for a back-off:
 *
 * <pre>{@code
 * try {
 *     ServerSockets.tryAccept(listener).ifPresent(this::serve);
 * } catch (ErrnoException e) {
 *     if (e.errnoName().equals("EMFILE") || e.errnoName().equals("ENFILE")) {
 *         pauseAccepting(Duration.ofMillis(100));   // stop polling the listener for a while
 *     } else {
 *         throw e;
 *     }
 * }
 * }</pre>
 *
 * <p>Errno numbers differ between operating systems ({@code EAGAIN} is 11 on Linux and 35 on the
 * BSDs); compare {@link #errnoName()} in portable code.
 *
 * @since 0.1
 */
public class ErrnoException extends SocketException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;
    private final String errnoName;

    /**
     * Creates the exception.
     *
     * @param call        the failing call as users know it, e.g. {@code "accept4"}
     * @param errno       the errno number on the running OS
     * @param errnoName   its symbolic name, e.g. {@code "EMFILE"}, or {@code "errno " + n} when unknown
     * @param description a short human text, e.g. {@code "Too many open files"}
     */
    public ErrnoException(String call, int errno, String errnoName, String description) {
        super(Objects.requireNonNull(call, "call") + ": " + Objects.requireNonNull(errnoName, "errnoName")
                + " (" + Objects.requireNonNull(description, "description") + ")");
        this.call = call;
        this.errno = errno;
        this.errnoName = errnoName;
    }

    /** @return the failing call, e.g. {@code "accept4"} */
    public String call() {
        return call;
    }

    /** @return the errno number, as the running OS numbers it */
    public int errno() {
        return errno;
    }

    /** @return the symbolic errno name, e.g. {@code "EMFILE"} */
    public String errnoName() {
        return errnoName;
    }
}
