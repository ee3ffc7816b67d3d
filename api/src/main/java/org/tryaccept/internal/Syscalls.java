package org.tryaccept.internal;

import java.lang.foreign.MemorySegment;

/**
 * The system calls the providers make, one method each, with Netty's negative-errno convention:
 * a result {@code >= 0} is the call's own result, a result {@code < 0} is {@code -errno}.
 *
 * <p>This is the fault-injection seam: {@link LibcSyscalls} calls the C library; tests wrap it to
 * return chosen errnos (EINTR, ECONNABORTED, EMFILE, a failing fcntl after accept...) at the exact
 * points where the kernel would, which it will not do on demand.
 */
public interface Syscalls {

    /** {@code poll} on one fd with timeout 0; returns {@code revents}, 0 when not ready. */
    int poll(int fd, int events);

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)} with the platform's command number. */
    int dupCloexec(int fd, int fDupfdCloexec);

    /** {@code accept4(fd, addr, addrlen, flags)}; {@code addrlen} holds the capacity on entry. */
    int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags);

    /** {@code accept(fd, addr, addrlen)}, for platforms without accept4. */
    int accept(int fd, MemorySegment addr, MemorySegment addrlen);

    /** {@code fcntl(fd, cmd, arg)} with an int third argument. */
    int fcntl(int fd, int cmd, int arg);

    int close(int fd);

    /** {@code setsockopt} with an int value. */
    int setsockoptInt(int fd, int level, int name, int value);

    /** {@code getsockopt} of an int value; the value is returned, so it must be >= 0 to be told from an errno. */
    int getsockoptInt(int fd, int level, int name);

    /** {@code setsockopt} with a buffer. */
    int setsockopt(int fd, int level, int name, MemorySegment value, int length);

    /** {@code getsockopt} into a buffer; {@code length} holds the capacity on entry, the size on return. */
    int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length);

    /** {@code getsockname(fd, addr, addrlen)}. */
    int getsockname(int fd, MemorySegment addr, MemorySegment addrlen);
}
