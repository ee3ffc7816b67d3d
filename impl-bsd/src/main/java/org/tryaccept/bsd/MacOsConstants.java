package org.tryaccept.bsd;

import static java.util.Map.entry;

import java.util.Map;
import java.util.Set;
import org.tryaccept.internal.ErrnoTable;
import org.tryaccept.internal.LayoutSockaddrCodec;
import org.tryaccept.internal.Platform;
import org.tryaccept.spi.Errno;

/**
 * macOS numbers, identical on x86_64 and arm64. Source of every value:
 * the XNU headers named beside each group (cross-checked with golang/sys and
 * rust-lang/libc), except the three that note does not list, looked up for this module:
 * <ul>
 * <li>POLLIN 0x0001 and {@code nfds_t = unsigned int}: XNU {@code bsd/sys/poll.h}
 * (apple/darwin-xnu);</li>
 * <li>TCP_KEEPALIVE 0x10, the option behind the JDK's TCP_KEEPIDLE on macOS: XNU
 * {@code bsd/netinet/tcp.h} ("idle time used when SO_KEEPALIVE is enabled").</li>
 * </ul>
 * macOS has no accept4, no SOCK_NONBLOCK/SOCK_CLOEXEC and no accept filters (XNU bsd/sys/socket.h defines neither).
 */
final class MacOsConstants {
    private MacOsConstants() {
    }

    // errno (apple/darwin-xnu bsd/sys/errno.h); EOPNOTSUPP is 102 and ENOTSUP 45 under UNIX03, which is always on
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
    static final int ENOTSUP = 45;
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
    static final int EPROTO = 100;
    static final int EOPNOTSUPP = 102;

    // families, types (apple/darwin-xnu bsd/sys/socket.h)
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 30;
    static final int SOCK_STREAM = 1;

    // socket options (apple/darwin-xnu bsd/sys/socket.h, netinet/in.h, netinet/tcp.h)
    static final int SOL_SOCKET = 0xffff;
    static final int SO_ACCEPTCONN = 0x0002;
    static final int SO_TYPE = 0x1008;
    static final int IPPROTO_TCP = 6;
    static final int TCP_KEEPALIVE = 0x10;

    // fcntl (apple/darwin-xnu bsd/sys/fcntl.h)
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int FD_CLOEXEC = 1;
    static final int O_NONBLOCK = 0x4;
    static final int F_DUPFD_CLOEXEC = 67;

    // poll (bsd/sys/poll.h)
    static final int POLLIN = 0x0001;
    static final int NFDS_T_BYTES = 4; // typedef unsigned int nfds_t

    // struct sockaddr_un.sun_path (apple/darwin-xnu bsd/sys/un.h)
    static final int SUN_PATH_SIZE = 104;

    // kqueue (XNU bsd/sys/event.h; the same values in XNU bsd/man/man2/kqueue.2). EVFILT_USER is -10
    // here, -11 on FreeBSD.
    static final short EVFILT_READ = -1;
    static final short EVFILT_WRITE = -2;
    static final short EVFILT_USER = -10;
    static final int EV_ADD = 0x0001;
    static final int EV_DELETE = 0x0002;
    static final int EV_DISABLE = 0x0008;
    static final int EV_ONESHOT = 0x0010;
    static final int EV_CLEAR = 0x0020;
    static final int EV_RECEIPT = 0x0040;
    static final int EV_ERROR = 0x4000;
    static final int EV_EOF = 0x8000;
    static final int NOTE_TRIGGER = 0x01000000;
    /** sizeof(struct kevent) on LP64: 32, 4-aligned under #pragma pack(4) (XNU bsd/sys/event.h). */
    static final int KEVENT_SIZE = 32;

    // SIGPIPE and shutdown (XNU bsd/sys/socket.h). SO_NOSIGPIPE is what write paths honour on every
    // macOS (soo_write in bsd/kern/sys_socket.c checks only it); MSG_NOSIGNAL (0x80000) is not used:
    // it appears in XNU only from xnu-7195 and older kernels silently ignore it.
    static final int SO_NOSIGPIPE = 0x1022;
    static final int SHUT_WR = 1;

    static final ErrnoTable ERRNO = ErrnoTable.of("macOS", Map.ofEntries(
            entry(Errno.EPERM, EPERM), entry(Errno.ENOENT, ENOENT), entry(Errno.EINTR, EINTR),
            entry(Errno.EBADF, EBADF), entry(Errno.ENOMEM, ENOMEM), entry(Errno.EFAULT, EFAULT),
            entry(Errno.EINVAL, EINVAL), entry(Errno.ENFILE, ENFILE), entry(Errno.EMFILE, EMFILE),
            entry(Errno.EAGAIN, EAGAIN), entry(Errno.EINPROGRESS, EINPROGRESS),
            entry(Errno.ENOTSOCK, ENOTSOCK), entry(Errno.ENOPROTOOPT, ENOPROTOOPT),
            entry(Errno.ENOTSUP, ENOTSUP), entry(Errno.EADDRINUSE, EADDRINUSE),
            entry(Errno.ENETDOWN, ENETDOWN), entry(Errno.ENETUNREACH, ENETUNREACH),
            entry(Errno.ECONNABORTED, ECONNABORTED), entry(Errno.ECONNRESET, ECONNRESET),
            entry(Errno.ENOBUFS, ENOBUFS), entry(Errno.ETIMEDOUT, ETIMEDOUT),
            entry(Errno.ECONNREFUSED, ECONNREFUSED), entry(Errno.EHOSTDOWN, EHOSTDOWN),
            entry(Errno.EHOSTUNREACH, EHOSTUNREACH), entry(Errno.EPROTO, EPROTO),
            entry(Errno.EOPNOTSUPP, EOPNOTSUPP),
            entry(Errno.EEXIST, EEXIST), entry(Errno.EPIPE, EPIPE), entry(Errno.ENOTCONN, ENOTCONN)));

    /** As on FreeBSD, only a connection reset on the queue; XNU's accept reports no pending errors. */
    static final Set<Errno> GONE = Errno.CONNECTION_GONE;

    static Platform platform() {
        return new Platform("macOS", ERRNO,
                new LayoutSockaddrCodec(true, AF_UNIX, AF_INET, AF_INET6, SUN_PATH_SIZE),
                Platform.Accept.acceptThenFcntl(GONE),
                new Platform.Fcntl(F_DUPFD_CLOEXEC, F_GETFL, F_SETFL, F_GETFD, F_SETFD, FD_CLOEXEC, O_NONBLOCK),
                new Platform.Discovery(SOL_SOCKET, SO_ACCEPTCONN, SO_TYPE, SOCK_STREAM, IPPROTO_TCP, TCP_KEEPALIVE),
                new Platform.Poll(POLLIN, NFDS_T_BYTES));
    }

    /** kqueue with EVFILT_USER for the Poller; every kqueue() fd is close-on-exec on XNU (kern_event.c). */
    static KqueueSpec kqueue() {
        return new KqueueSpec("macOS", ERRNO, KeventLayout.MACOS, EVFILT_READ, EVFILT_WRITE, EVFILT_USER,
                EV_ADD, EV_DELETE, EV_DISABLE, EV_ONESHOT, EV_CLEAR, EV_RECEIPT, EV_EOF, EV_ERROR, NOTE_TRIGGER,
                false, F_SETFD, FD_CLOEXEC);
    }

    /** send(2) without flags, after setsockopt(SO_NOSIGPIPE) on the fd: see {@link BsdSocketIo}. */
    static BsdIoSpec io() {
        return new BsdIoSpec("macOS", ERRNO, 0, SOL_SOCKET, SO_NOSIGPIPE, SHUT_WR);
    }
}
