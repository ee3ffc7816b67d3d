/**
 * The FreeBSD and macOS providers of tryaccept. FreeBSD: {@code accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)}
 * and {@code TCP_DEFER_ACCEPT} as the {@code "dataready"} accept filter. macOS: {@code accept} then
 * {@code fcntl}; no {@code TCP_DEFER_ACCEPT}. Both: the Poller on kqueue ({@code EVFILT_USER} wake-up)
 * and SocketIo ({@code MSG_NOSIGNAL} on FreeBSD, {@code SO_NOSIGPIPE} on macOS). Add it to the class or
 * module path; nothing in it is called directly.
 */
module org.tryaccept.bsd {
    requires org.tryaccept;

    provides org.tryaccept.spi.ServerSocketsProvider with
            org.tryaccept.bsd.FreeBsdServerSocketsProvider,
            org.tryaccept.bsd.MacOsServerSocketsProvider;
}
