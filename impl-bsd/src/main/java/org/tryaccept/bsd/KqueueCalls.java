package org.tryaccept.bsd;

import java.lang.foreign.MemorySegment;

/**
 * The kqueue system calls {@link KqueuePoller} makes, with the negative-errno convention of
 * {@link org.tryaccept.internal.Syscalls} (a result {@code < 0} is {@code -errno}). {@link LibcKqueue}
 * calls the C library; this module's tests run the poller over a model of kqueue on Linux.
 */
interface KqueueCalls {

    /** @return a new close-on-exec kqueue fd, or {@code -errno} */
    int kqueue();

    /**
     * {@code kevent(kq, changes, nchanges, events, nevents, timeout)}.
     *
     * @param timeout a {@code struct timespec}, or {@link MemorySegment#NULL} to wait forever
     * @return the number of entries written to {@code events}, or {@code -errno}
     */
    int kevent(int kq, MemorySegment changes, int nchanges, MemorySegment events, int nevents, MemorySegment timeout);

    /** {@code close(fd)}: 0 or {@code -errno}. */
    int close(int fd);
}
