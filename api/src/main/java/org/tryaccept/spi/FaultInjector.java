package org.tryaccept.spi;

/**
 * What a provider made by {@link ServerSocketsProvider#withFaults} asks and tells on its accept path:
 * before each accept and each fcntl on a newly accepted fd it asks whether the call should fail (and
 * then does not make it), and it reports every fd it receives from the kernel and every fd it closes.
 * The conformance kit scripts errors with it and proves that no fd leaks.
 *
 * <pre>{@code
 * FaultInjector emfileOnce = new FaultInjector() {
 *     boolean done;
 *     public Errno beforeAccept(String call) {
 *         if (done) return null;
 *         done = true;
 *         return Errno.EMFILE;       // the next accept fails as if the kernel said EMFILE
 *     }
 * };
 * ServerSocketsProvider p = ServerSockets.provider().withFaults(emfileOnce);
 * }</pre>
 *
 * Methods may be called from any thread that uses the provider; implementations synchronize.
 *
 * @since 0.1
 */
public interface FaultInjector {

    /**
     * Called right before the accept system call on a listener that was found ready.
     *
     * @param call {@code "accept4"} or {@code "accept"}
     * @return null to make the real call, or the errno the call fails with instead (the kernel is not
     *         called, so a pending connection stays queued)
     */
    default Errno beforeAccept(String call) {
        return null;
    }

    /**
     * Called right before each fcntl a provider makes on a newly accepted fd (providers whose OS has
     * no accept4).
     *
     * @return null to make the real call, or the errno it fails with instead
     */
    default Errno beforeFcntl(int acceptedFd, String call) {
        return null;
    }

    /** A new fd the provider received from the kernel: an accepted connection or a transient duplicate. */
    default void opened(int fd, String call) {
    }

    /** The provider closed {@code fd}. */
    default void closed(int fd) {
    }
}
