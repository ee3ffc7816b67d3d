package org.tryaccept.linux;

import org.tryaccept.internal.ErrnoTable;
import org.tryaccept.internal.LayoutSockaddrCodec;
import org.tryaccept.internal.Platform;

/**
 * Linux numbers, identical on x86_64 and aarch64 (asm-generic UAPI). Source of every value:
 * {@code shared/notes/platform-constants.md} (checked there with gcc against glibc 2.36 and the kernel
 * UAPI headers); POLLIN and TCP_KEEPIDLE, which that note does not list, were printed by gcc on this
 * machine from {@code <poll.h>} and {@code <netinet/tcp.h>}.
 */
final class LinuxConstants {
    private LinuxConstants() {
    }

    // errno (section 1)
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EFAULT = 14;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int ENONET = 64;
    static final int EPROTO = 71;
    static final int ENOTSOCK = 88;
    static final int ENOPROTOOPT = 92;
    static final int EOPNOTSUPP = 95;
    static final int EADDRINUSE = 98;
    static final int ENETDOWN = 100;
    static final int ENETUNREACH = 101;
    static final int ECONNABORTED = 103;
    static final int ECONNRESET = 104;
    static final int ENOBUFS = 105;
    static final int ETIMEDOUT = 110;
    static final int ECONNREFUSED = 111;
    static final int EHOSTDOWN = 112;
    static final int EHOSTUNREACH = 113;
    static final int EINPROGRESS = 115;

    // families, types, accept4 flags (section 2)
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;

    // socket options (sections 3 and 4)
    static final int SOL_SOCKET = 1;
    static final int SO_TYPE = 3;
    static final int SO_ACCEPTCONN = 30;
    static final int IPPROTO_TCP = 6;
    static final int TCP_KEEPIDLE = 4;
    static final int TCP_DEFER_ACCEPT = 9;

    // fcntl (section 5)
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int FD_CLOEXEC = 1;
    static final int O_NONBLOCK = 0x800;
    static final int F_DUPFD_CLOEXEC = 1030;

    // poll
    static final int POLLIN = 0x1;

    // sockaddr_un.sun_path (section 7)
    static final int SUN_PATH_SIZE = 108;

    static final ErrnoTable ERRNO = ErrnoTable.of("Linux",
            EPERM, "EPERM", "Operation not permitted",
            ENOENT, "ENOENT", "No such file or directory",
            EINTR, "EINTR", "Interrupted system call",
            EBADF, "EBADF", "Bad file descriptor",
            EAGAIN, "EAGAIN", "Resource temporarily unavailable",
            ENOMEM, "ENOMEM", "Cannot allocate memory",
            EFAULT, "EFAULT", "Bad address",
            EINVAL, "EINVAL", "Invalid argument",
            ENFILE, "ENFILE", "Too many open files in system",
            EMFILE, "EMFILE", "Too many open files",
            ENONET, "ENONET", "Machine is not on the network",
            EPROTO, "EPROTO", "Protocol error",
            ENOTSOCK, "ENOTSOCK", "Socket operation on non-socket",
            ENOPROTOOPT, "ENOPROTOOPT", "Protocol not available",
            EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported",
            EADDRINUSE, "EADDRINUSE", "Address already in use",
            ENETDOWN, "ENETDOWN", "Network is down",
            ENETUNREACH, "ENETUNREACH", "Network is unreachable",
            ECONNABORTED, "ECONNABORTED", "Software caused connection abort",
            ECONNRESET, "ECONNRESET", "Connection reset by peer",
            ENOBUFS, "ENOBUFS", "No buffer space available",
            ETIMEDOUT, "ETIMEDOUT", "Connection timed out",
            ECONNREFUSED, "ECONNREFUSED", "Connection refused",
            EHOSTDOWN, "EHOSTDOWN", "Host is down",
            EHOSTUNREACH, "EHOSTUNREACH", "No route to host",
            EINPROGRESS, "EINPROGRESS", "Operation now in progress");

    /**
     * ECONNABORTED, plus the pending network errors that accept(2) says to treat like EAGAIN
     * (section 9.2): each means the connection at the head of the queue is gone.
     */
    static final int[] GONE = {
        ECONNABORTED, ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH
    };

    static Platform platform() {
        return new Platform("Linux", ERRNO,
                new LayoutSockaddrCodec(false, AF_UNIX, AF_INET, AF_INET6, SUN_PATH_SIZE),
                SOCK_NONBLOCK | SOCK_CLOEXEC, GONE,
                F_DUPFD_CLOEXEC, F_GETFL, F_SETFL, F_GETFD, F_SETFD, FD_CLOEXEC, O_NONBLOCK,
                SOL_SOCKET, SO_ACCEPTCONN, SO_TYPE, SOCK_STREAM, IPPROTO_TCP, TCP_KEEPIDLE, POLLIN);
    }
}
