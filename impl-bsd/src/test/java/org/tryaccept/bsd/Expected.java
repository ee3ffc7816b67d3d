package org.tryaccept.bsd;

import java.util.Map;

/**
 * Values transcribed by hand from the FreeBSD, XNU and Linux headers named beside each group, independently of the
 * constants classes, so that a typo in either shows up as a test failure. Section numbers refer to
 * that note; the values it does not list (POLLIN, TCP_KEEPIDLE/TCP_KEEPALIVE) come from the FreeBSD
 * and XNU headers cited in the constants classes.
 */
final class Expected {
    private Expected() {
    }

    /** Section 1, Linux column (used to translate the real kernel's answers). */
    static final Map<Integer, String> LINUX_ERRNO = Map.ofEntries(
            Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(4, "EINTR"), Map.entry(9, "EBADF"),
            Map.entry(11, "EAGAIN"), Map.entry(12, "ENOMEM"), Map.entry(14, "EFAULT"), Map.entry(22, "EINVAL"),
            Map.entry(23, "ENFILE"), Map.entry(24, "EMFILE"), Map.entry(88, "ENOTSOCK"), Map.entry(92, "ENOPROTOOPT"),
            Map.entry(95, "EOPNOTSUPP"), Map.entry(100, "ENETDOWN"), Map.entry(101, "ENETUNREACH"),
            Map.entry(103, "ECONNABORTED"), Map.entry(105, "ENOBUFS"), Map.entry(112, "EHOSTDOWN"),
            Map.entry(113, "EHOSTUNREACH"), Map.entry(71, "EPROTO"), Map.entry(104, "ECONNRESET"),
            Map.entry(110, "ETIMEDOUT"), Map.entry(111, "ECONNREFUSED"), Map.entry(98, "EADDRINUSE"),
            Map.entry(115, "EINPROGRESS"),
            Map.entry(17, "EEXIST"), Map.entry(32, "EPIPE"), Map.entry(107, "ENOTCONN"));

    /** Section 1, FreeBSD column. */
    static final Map<String, Integer> FREEBSD_ERRNO = Map.ofEntries(
            Map.entry("EPERM", 1), Map.entry("ENOENT", 2), Map.entry("EINTR", 4), Map.entry("EBADF", 9),
            Map.entry("EAGAIN", 35), Map.entry("ENOMEM", 12), Map.entry("EFAULT", 14), Map.entry("EINVAL", 22),
            Map.entry("ENFILE", 23), Map.entry("EMFILE", 24), Map.entry("ENOTSOCK", 38), Map.entry("ENOPROTOOPT", 42),
            Map.entry("EOPNOTSUPP", 45), Map.entry("ENETDOWN", 50), Map.entry("ENETUNREACH", 51),
            Map.entry("ECONNABORTED", 53), Map.entry("ENOBUFS", 55), Map.entry("EHOSTDOWN", 64),
            Map.entry("EHOSTUNREACH", 65), Map.entry("EPROTO", 92), Map.entry("ECONNRESET", 54),
            Map.entry("ETIMEDOUT", 60), Map.entry("ECONNREFUSED", 61), Map.entry("EADDRINUSE", 48),
            Map.entry("EINPROGRESS", 36),
            // FreeBSD sys/sys/errno.h (EPIPE 32, ENOTCONN 57 also in the poller note's section 8)
            Map.entry("EEXIST", 17), Map.entry("EPIPE", 32), Map.entry("ENOTCONN", 57));

    /** Section 1, macOS column (EOPNOTSUPP 102 and ENOTSUP 45 differ: note E1). */
    static final Map<String, Integer> MACOS_ERRNO = Map.ofEntries(
            Map.entry("EPERM", 1), Map.entry("ENOENT", 2), Map.entry("EINTR", 4), Map.entry("EBADF", 9),
            Map.entry("EAGAIN", 35), Map.entry("ENOMEM", 12), Map.entry("EFAULT", 14), Map.entry("EINVAL", 22),
            Map.entry("ENFILE", 23), Map.entry("EMFILE", 24), Map.entry("ENOTSOCK", 38), Map.entry("ENOPROTOOPT", 42),
            Map.entry("EOPNOTSUPP", 102), Map.entry("ENOTSUP", 45), Map.entry("ENETDOWN", 50),
            Map.entry("ENETUNREACH", 51), Map.entry("ECONNABORTED", 53), Map.entry("ENOBUFS", 55),
            Map.entry("EHOSTDOWN", 64), Map.entry("EHOSTUNREACH", 65), Map.entry("EPROTO", 100),
            Map.entry("ECONNRESET", 54), Map.entry("ETIMEDOUT", 60), Map.entry("ECONNREFUSED", 61),
            Map.entry("EADDRINUSE", 48), Map.entry("EINPROGRESS", 36),
            // XNU bsd/sys/errno.h
            Map.entry("EEXIST", 17), Map.entry("EPIPE", 32), Map.entry("ENOTCONN", 57));

    // Linux numbers this host needs (<bits/socket.h>, <asm-generic/socket.h>, <asm-generic/fcntl.h>; printed by gcc)
    static final int LINUX_AF_UNIX = 1;
    static final int LINUX_AF_INET = 2;
    static final int LINUX_AF_INET6 = 10;
    static final int LINUX_SOCK_NONBLOCK = 0x800;
    static final int LINUX_SOCK_CLOEXEC = 0x80000;
    static final int LINUX_SOL_SOCKET = 1;
    static final int LINUX_SO_TYPE = 3;
    static final int LINUX_SO_ACCEPTCONN = 30;
    static final int LINUX_TCP_KEEPIDLE = 4;
    static final int LINUX_F_GETFD = 1;
    static final int LINUX_F_SETFD = 2;
    static final int LINUX_F_GETFL = 3;
    static final int LINUX_F_SETFL = 4;
    static final int LINUX_O_NONBLOCK = 0x800;
    static final int LINUX_F_DUPFD_CLOEXEC = 1030;

    // BSD numbers shared by FreeBSD and macOS
    static final int BSD_SOL_SOCKET = 0xffff;
    static final int BSD_SO_ACCEPTCONN = 0x0002;
    static final int BSD_SO_TYPE = 0x1008;
    static final int BSD_O_NONBLOCK = 0x4;
    static final int BSD_F_GETFD = 1;
    static final int BSD_F_SETFD = 2;
    static final int BSD_F_GETFL = 3;
    static final int BSD_F_SETFL = 4;
    static final int BSD_FD_CLOEXEC = 1;
    static final int BSD_POLLIN = 0x0001;
    static final int IPPROTO_TCP = 6;
    static final int SOCK_STREAM = 1;
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int SUN_PATH_SIZE = 104;

    static final int FREEBSD_AF_INET6 = 28;
    static final int FREEBSD_SOCK_NONBLOCK = 0x20000000;
    static final int FREEBSD_SOCK_CLOEXEC = 0x10000000;
    static final int FREEBSD_F_DUPFD_CLOEXEC = 17;
    static final int FREEBSD_SO_ACCEPTFILTER = 0x1000;
    static final int FREEBSD_TCP_KEEPIDLE = 256;
    static final int ACCEPT_FILTER_ARG_SIZE = 256;
    static final int AF_NAME_OFFSET = 0;
    static final int AF_NAME_SIZE = 16;
    static final int AF_ARG_OFFSET = 16;
    static final int AF_ARG_SIZE = 240;

    static final int MACOS_AF_INET6 = 30;
    static final int MACOS_F_DUPFD_CLOEXEC = 67;
    static final int MACOS_TCP_KEEPALIVE = 0x10;

    // ---- kqueue and socket I/O: FreeBSD sys/sys/event.h, XNU bsd/sys/event.h, kqueue(2), send(2),
    // sys/sys/socket.h / bsd/sys/socket.h (the poller note's sections 4-6), transcribed by hand ----

    static final short EVFILT_READ = -1;
    static final short EVFILT_WRITE = -2;
    static final short FREEBSD_EVFILT_USER = -11;
    static final short MACOS_EVFILT_USER = -10;
    static final int EV_ADD = 0x1;
    static final int EV_DELETE = 0x2;
    static final int EV_ENABLE = 0x4;
    static final int EV_DISABLE = 0x8;
    static final int EV_ONESHOT = 0x10;
    static final int EV_CLEAR = 0x20;
    static final int EV_RECEIPT = 0x40;
    static final int EV_ERROR = 0x4000;
    static final int EV_EOF = 0x8000;
    static final int NOTE_TRIGGER = 0x01000000;
    static final int FREEBSD_KQUEUE_CLOEXEC = 0x1;

    /** struct kevent: ident 0 (8), filter 8 (2), flags 10 (2), fflags 12 (4), data 16 (8), udata 24 (8). */
    static final int KEVENT_IDENT = 0;
    static final int KEVENT_FILTER = 8;
    static final int KEVENT_FLAGS = 10;
    static final int KEVENT_FFLAGS = 12;
    static final int KEVENT_DATA = 16;
    static final int KEVENT_UDATA = 24;
    /** FreeBSD 12+: uint64_t ext[4] at 32, size 64. */
    static final int FREEBSD_KEVENT_EXT = 32;
    static final int FREEBSD_KEVENT_SIZE = 64;
    /** macOS struct kevent (not kevent64_s): size 32, #pragma pack(4). */
    static final int MACOS_KEVENT_SIZE = 32;
    /** struct timespec on both: tv_sec int64 at 0, tv_nsec long at 8, size 16. */
    static final int TIMESPEC_SIZE = 16;

    static final int FREEBSD_MSG_NOSIGNAL = 0x20000;
    static final int MACOS_MSG_NOSIGNAL = 0x80000;
    static final int FREEBSD_SO_NOSIGPIPE = 0x0800;
    static final int MACOS_SO_NOSIGPIPE = 0x1022;
    static final int SHUT_WR = 1;

    // Linux numbers for the I/O translation here
    static final int LINUX_MSG_NOSIGNAL = 0x4000;
    static final int LINUX_SHUT_WR = 1;
}
