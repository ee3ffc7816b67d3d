package org.tryaccept.linux;

import static java.util.Map.entry;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.tryaccept.internal.ErrnoTable;
import org.tryaccept.internal.LayoutSockaddrCodec;
import org.tryaccept.internal.Platform;
import org.tryaccept.spi.Errno;

/**
 * Linux numbers, identical on x86_64 and aarch64 (asm-generic UAPI). Each group names the header it
 * comes from; every value was printed by gcc against glibc 2.36 and the kernel UAPI headers on x86_64.
 */
final class LinuxConstants {
    private LinuxConstants() {
    }

    // errno (<asm-generic/errno-base.h>, <asm-generic/errno.h>)
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EFAULT = 14;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int EPIPE = 32;
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
    static final int ENOTCONN = 107;
    static final int ETIMEDOUT = 110;
    static final int ECONNREFUSED = 111;
    static final int EHOSTDOWN = 112;
    static final int EHOSTUNREACH = 113;
    static final int EINPROGRESS = 115;

    // families, types, accept4 flags (<bits/socket.h>, <bits/socket_type.h>; accept(2))
    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;

    // socket options (<asm-generic/socket.h>, <netinet/in.h>, <netinet/tcp.h>; tcp(7))
    static final int SOL_SOCKET = 1;
    static final int SO_TYPE = 3;
    static final int SO_ACCEPTCONN = 30;
    static final int IPPROTO_TCP = 6;
    static final int TCP_KEEPIDLE = 4;
    static final int TCP_DEFER_ACCEPT = 9;

    // fcntl (<asm-generic/fcntl.h>, <bits/fcntl-linux.h>)
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int FD_CLOEXEC = 1;
    static final int O_NONBLOCK = 0x800;
    static final int F_DUPFD_CLOEXEC = 1030;

    // poll (<poll.h>; poll(2): nfds_t is unsigned long)
    static final int POLLIN = 0x1;
    static final int NFDS_T_BYTES = 8;

    // sockaddr_un.sun_path (<sys/un.h>; unix(7))
    static final int SUN_PATH_SIZE = 108;

    // epoll (<sys/epoll.h>, <linux/eventpoll.h>; epoll_create(2), epoll_ctl(2))
    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    static final int EPOLLIN = 0x1;
    static final int EPOLLOUT = 0x4;
    static final int EPOLLERR = 0x8;
    static final int EPOLLHUP = 0x10;
    static final int EPOLLRDHUP = 0x2000;
    static final int EPOLLEXCLUSIVE = 1 << 28;
    static final int EPOLLONESHOT = 1 << 30;
    static final int EPOLLET = 1 << 31;

    // eventfd (<sys/eventfd.h>, <linux/eventfd.h>: EFD_CLOEXEC = O_CLOEXEC, EFD_NONBLOCK = O_NONBLOCK;
    // eventfd(2)); the counter is a uint64_t, read and written 8 bytes at a time
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    // send(2) flags (<bits/socket.h>) and shutdown(2) (<sys/socket.h>)
    static final int MSG_NOSIGNAL = 0x4000;
    static final int SHUT_WR = 1;

    static final ErrnoTable ERRNO = ErrnoTable.of("Linux", Map.ofEntries(
            entry(Errno.EPERM, EPERM), entry(Errno.ENOENT, ENOENT), entry(Errno.EINTR, EINTR),
            entry(Errno.EBADF, EBADF), entry(Errno.EAGAIN, EAGAIN), entry(Errno.ENOMEM, ENOMEM),
            entry(Errno.EFAULT, EFAULT), entry(Errno.EEXIST, EEXIST), entry(Errno.EINVAL, EINVAL),
            entry(Errno.ENFILE, ENFILE), entry(Errno.EMFILE, EMFILE), entry(Errno.EPIPE, EPIPE),
            entry(Errno.ENONET, ENONET), entry(Errno.EPROTO, EPROTO), entry(Errno.ENOTSOCK, ENOTSOCK),
            entry(Errno.ENOPROTOOPT, ENOPROTOOPT), entry(Errno.EOPNOTSUPP, EOPNOTSUPP),
            entry(Errno.EADDRINUSE, EADDRINUSE), entry(Errno.ENETDOWN, ENETDOWN),
            entry(Errno.ENETUNREACH, ENETUNREACH), entry(Errno.ECONNABORTED, ECONNABORTED),
            entry(Errno.ECONNRESET, ECONNRESET), entry(Errno.ENOBUFS, ENOBUFS), entry(Errno.ENOTCONN, ENOTCONN),
            entry(Errno.ETIMEDOUT, ETIMEDOUT), entry(Errno.ECONNREFUSED, ECONNREFUSED),
            entry(Errno.EHOSTDOWN, EHOSTDOWN), entry(Errno.EHOSTUNREACH, EHOSTUNREACH),
            entry(Errno.EINPROGRESS, EINPROGRESS)));

    /**
     * ECONNABORTED, plus the pending network errors that accept(2) says to treat like EAGAIN: each
     * means the connection at the head of the queue is gone.
     */
    static final Set<Errno> GONE = union(Errno.CONNECTION_GONE, Errno.PENDING_NETWORK_ERRORS);

    static Platform platform() {
        return new Platform("Linux", ERRNO,
                new LayoutSockaddrCodec(false, AF_UNIX, AF_INET, AF_INET6, SUN_PATH_SIZE),
                Platform.Accept.accept4(SOCK_NONBLOCK | SOCK_CLOEXEC, GONE),
                new Platform.Fcntl(F_DUPFD_CLOEXEC, F_GETFL, F_SETFL, F_GETFD, F_SETFD, FD_CLOEXEC, O_NONBLOCK),
                new Platform.Discovery(SOL_SOCKET, SO_ACCEPTCONN, SO_TYPE, SOCK_STREAM, IPPROTO_TCP, TCP_KEEPIDLE),
                new Platform.Poll(POLLIN, NFDS_T_BYTES));
    }

    private static Set<Errno> union(Set<Errno> a, Set<Errno> b) {
        Set<Errno> all = EnumSet.copyOf(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
