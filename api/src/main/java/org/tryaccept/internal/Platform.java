package org.tryaccept.internal;

import java.util.EnumSet;
import java.util.Set;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.SockaddrCodec;

/**
 * What the shared accept and fd code needs to know about one OS, grouped by who needs it. Each provider
 * module builds one from its constants class (values from the OS's headers, cited there).
 *
 * @param os        display name, e.g. "Linux"
 * @param errno     the OS's errno numbers
 * @param codec     reads this OS's sockaddr layouts
 * @param accept    how this OS accepts, and which accept errors mean "that connection is gone"
 * @param fcntl     the fcntl commands and flags of the borrowing protocol and of accept-then-fcntl
 * @param discovery what the flag-free fd lookup asks the kernel
 * @param poll      the poll(2) facts of the readiness fallback
 */
public record Platform(String os, ErrnoTable errno, SockaddrCodec codec, Accept accept, Fcntl fcntl,
                       Discovery discovery, Poll poll) {

    /**
     * @param flags flags for {@code accept4} (SOCK_NONBLOCK|SOCK_CLOEXEC), or -1 when the OS has no
     *              accept4 and the new fd gets its flags from {@code fcntl}
     * @param gone  accept errors that mean "the connection at the head of the queue is gone"
     */
    public record Accept(int flags, Set<Errno> gone) {
        public Accept {
            gone = gone.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(gone));
        }

        /** accept4 with these flags. */
        public static Accept accept4(int flags, Set<Errno> gone) {
            return new Accept(flags, gone);
        }

        /** accept, then fcntl. */
        public static Accept acceptThenFcntl(Set<Errno> gone) {
            return new Accept(-1, gone);
        }

        public boolean usesAccept4() {
            return flags >= 0;
        }

        /** @return the name of the accept call, for messages */
        public String call() {
            return usesAccept4() ? "accept4" : "accept";
        }
    }

    /** fcntl(2) commands and flags. */
    public record Fcntl(int fDupfdCloexec, int fGetfl, int fSetfl, int fGetfd, int fSetfd, int fdCloexec,
                        int oNonblock) {
    }

    /**
     * What flag-free fd discovery reads: SOL_SOCKET, SO_ACCEPTCONN, SO_TYPE, SOCK_STREAM, and the
     * option behind jdk.net's TCP_KEEPIDLE (TCP_KEEPALIVE on macOS) at level IPPROTO_TCP, used as a
     * marker to tell twin listeners apart.
     */
    public record Discovery(int solSocket, int soAcceptconn, int soType, int sockStream, int ipprotoTcp,
                            int tcpKeepidle) {
    }

    /**
     * @param pollin    POLLIN
     * @param nfdsBytes the size of {@code nfds_t}: 8 ({@code unsigned long}, Linux) or 4
     *                  ({@code unsigned int}, the BSDs)
     */
    public record Poll(int pollin, int nfdsBytes) {
        public Poll {
            if (nfdsBytes != 4 && nfdsBytes != 8) {
                throw new IllegalArgumentException("nfds_t is 4 or 8 bytes, got " + nfdsBytes);
            }
        }
    }

    /** @return the same platform with another way to accept (tests run accept-then-fcntl on Linux) */
    public Platform withAccept(Accept other) {
        return new Platform(os, errno, codec, other, fcntl, discovery, poll);
    }

    public boolean isGone(int errnoNumber) {
        Errno e = errno.symbol(errnoNumber);
        return e != null && accept.gone().contains(e);
    }

    public int eintr() {
        return errno.number(Errno.EINTR);
    }

    public int eagain() {
        return errno.number(Errno.EAGAIN);
    }
}
