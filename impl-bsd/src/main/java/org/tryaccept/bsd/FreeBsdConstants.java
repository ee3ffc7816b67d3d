package org.tryaccept.bsd;

import static java.util.Map.entry;

import java.util.Map;
import java.util.Set;
import org.tryaccept.internal.ErrnoTable;
import org.tryaccept.internal.LayoutSockaddrCodec;
import org.tryaccept.internal.Platform;
import org.tryaccept.spi.Errno;

/**
 * FreeBSD numbers, identical on amd64 and arm64. Source of every value:
 * the FreeBSD headers named beside each group (cross-checked with golang/sys and
 * rust-lang/libc), except the three that note does not list, looked up for this module:
 * <ul>
 * <li>POLLIN 0x0001 and {@code nfds_t = unsigned int}: freebsd/freebsd-src {@code sys/sys/poll.h}
 * (LibcSyscalls already binds poll's nfds as a 32-bit int off Linux);</li>
 * <li>TCP_KEEPIDLE 256 (0x100): FreeBSD {@code sys/netinet/tcp.h} ("start keeplives after this
 * period"), the same value golang/sys {@code zerrors_freebsd_*.go} and the D runtime list.</li>
 * </ul>
 */
final class FreeBsdConstants {
    private FreeBsdConstants() {
    }

    // errno (freebsd/freebsd-src sys/sys/errno.h)
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int ENOMEM = 12;
    static final int EFAULT = 14;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int EPIPE = 32;
    static final int EAGAIN = 35;
    static final int EINPROGRESS = 36;
    static final int ENOTSOCK = 38;
    static final int ENOPROTOOPT = 42;
    static final int EOPNOTSUPP = 45;
    static final int EADDRINUSE = 48;
    static final int ENETDOWN = 50;
    static final int ENETUNREACH = 51;
    static final int ECONNABORTED = 53;
    static final int ECONNRESET = 54;
    static final int ENOBUFS = 55;
    static final int ENOTCONN = 57;
    static final int ETIMEDOUT = 60;
    static final int ECONNREFUSED = 61;
    static final int EHOSTDOWN = 64;
    static final int EHOSTUNREACH = 65;
    static final int EPROTO = 92;

    // families, types, accept4 flags (freebsd/freebsd-src sys/sys/socket.h)
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 28;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x20000000;
    static final int SOCK_CLOEXEC = 0x10000000;

    // socket options (freebsd/freebsd-src sys/sys/socket.h, netinet/in.h, netinet/tcp.h)
    static final int SOL_SOCKET = 0xffff;
    static final int SO_ACCEPTCONN = 0x0002;
    static final int SO_ACCEPTFILTER = 0x1000;
    static final int SO_TYPE = 0x1008;
    static final int IPPROTO_TCP = 6;
    static final int TCP_KEEPIDLE = 0x100;

    // fcntl (freebsd/freebsd-src sys/sys/fcntl.h)
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int FD_CLOEXEC = 1;
    static final int O_NONBLOCK = 0x4;
    static final int F_DUPFD_CLOEXEC = 17;

    // poll (sys/sys/poll.h)
    static final int POLLIN = 0x0001;
    static final int NFDS_T_BYTES = 4; // typedef unsigned int nfds_t

    // struct sockaddr_un.sun_path (freebsd/freebsd-src sys/sys/un.h)
    static final int SUN_PATH_SIZE = 104;

    // struct accept_filter_arg (freebsd/freebsd-src sys/sys/socket.h): char af_name[16]; char af_arg[256 - 16]
    static final int ACCEPT_FILTER_ARG_SIZE = 256;
    static final int AF_NAME_OFFSET = 0;
    static final int AF_NAME_SIZE = 16;
    static final int AF_ARG_OFFSET = 16;
    static final int AF_ARG_SIZE = 240;

    // kqueue (freebsd/freebsd-src sys/sys/event.h; the same values in kqueue(2))
    static final short EVFILT_READ = -1;
    static final short EVFILT_WRITE = -2;
    static final short EVFILT_USER = -11;
    static final int EV_ADD = 0x0001;
    static final int EV_DELETE = 0x0002;
    static final int EV_DISABLE = 0x0008;
    static final int EV_ONESHOT = 0x0010;
    static final int EV_CLEAR = 0x0020;
    static final int EV_RECEIPT = 0x0040;
    static final int EV_ERROR = 0x4000;
    static final int EV_EOF = 0x8000;
    static final int NOTE_TRIGGER = 0x01000000;
    /** kqueuex(2) flag, FreeBSD 14.0 and later (kqueue(2) HISTORY; sys/sys/event.h). */
    static final int KQUEUE_CLOEXEC = 0x1;
    /** sizeof(struct kevent) since FreeBSD 12 (sys/sys/event.h: ext[4] added; kevent@@FBSD_1.5). */
    static final int KEVENT_SIZE = 64;

    // send(2) flag and shutdown(2) (freebsd/freebsd-src sys/sys/socket.h; send(2): MSG_NOSIGNAL)
    static final int MSG_NOSIGNAL = 0x20000;
    static final int SHUT_WR = 1;

    /** The accf_data(4) filter: hold a connection until data arrives. */
    static final String DATAREADY = "dataready";

    static final ErrnoTable ERRNO = ErrnoTable.of("FreeBSD", Map.ofEntries(
            entry(Errno.EPERM, EPERM), entry(Errno.ENOENT, ENOENT), entry(Errno.EINTR, EINTR),
            entry(Errno.EBADF, EBADF), entry(Errno.ENOMEM, ENOMEM), entry(Errno.EFAULT, EFAULT),
            entry(Errno.EINVAL, EINVAL), entry(Errno.ENFILE, ENFILE), entry(Errno.EMFILE, EMFILE),
            entry(Errno.EAGAIN, EAGAIN), entry(Errno.EINPROGRESS, EINPROGRESS),
            entry(Errno.ENOTSOCK, ENOTSOCK), entry(Errno.ENOPROTOOPT, ENOPROTOOPT),
            entry(Errno.EOPNOTSUPP, EOPNOTSUPP), entry(Errno.EADDRINUSE, EADDRINUSE),
            entry(Errno.ENETDOWN, ENETDOWN), entry(Errno.ENETUNREACH, ENETUNREACH),
            entry(Errno.ECONNABORTED, ECONNABORTED), entry(Errno.ECONNRESET, ECONNRESET),
            entry(Errno.ENOBUFS, ENOBUFS), entry(Errno.ETIMEDOUT, ETIMEDOUT),
            entry(Errno.ECONNREFUSED, ECONNREFUSED), entry(Errno.EHOSTDOWN, EHOSTDOWN),
            entry(Errno.EHOSTUNREACH, EHOSTUNREACH), entry(Errno.EPROTO, EPROTO),
            entry(Errno.EEXIST, EEXIST), entry(Errno.EPIPE, EPIPE), entry(Errno.ENOTCONN, ENOTCONN)));

    /**
     * A connection that was reset while it waited on the listen queue (accept(2): ECONNABORTED).
     * FreeBSD does not pass pending network errors through accept as Linux does (accept(2), ERRORS).
     */
    static final Set<Errno> GONE = Errno.CONNECTION_GONE;

    static Platform platform() {
        return new Platform("FreeBSD", ERRNO,
                new LayoutSockaddrCodec(true, AF_UNIX, AF_INET, AF_INET6, SUN_PATH_SIZE),
                Platform.Accept.accept4(SOCK_NONBLOCK | SOCK_CLOEXEC, GONE),
                new Platform.Fcntl(F_DUPFD_CLOEXEC, F_GETFL, F_SETFL, F_GETFD, F_SETFD, FD_CLOEXEC, O_NONBLOCK),
                new Platform.Discovery(SOL_SOCKET, SO_ACCEPTCONN, SO_TYPE, SOCK_STREAM, IPPROTO_TCP, TCP_KEEPIDLE),
                new Platform.Poll(POLLIN, NFDS_T_BYTES));
    }

    /** kqueue with EVFILT_USER for the Poller; close-on-exec by fcntl unless kqueuex(2) exists. */
    static KqueueSpec kqueue(boolean hasKqueuex) {
        return new KqueueSpec("FreeBSD", ERRNO, KeventLayout.FREEBSD, EVFILT_READ, EVFILT_WRITE, EVFILT_USER,
                EV_ADD, EV_DELETE, EV_DISABLE, EV_ONESHOT, EV_CLEAR, EV_RECEIPT, EV_EOF, EV_ERROR, NOTE_TRIGGER,
                !hasKqueuex, F_SETFD, FD_CLOEXEC);
    }

    /** send(2) with MSG_NOSIGNAL: a write to a broken connection fails with EPIPE, no SIGPIPE. */
    static BsdIoSpec io() {
        return new BsdIoSpec("FreeBSD", ERRNO, MSG_NOSIGNAL, SOL_SOCKET, 0, SHUT_WR);
    }
}
