package org.tryaccept.internal;

import java.util.Arrays;
import org.tryaccept.spi.SockaddrCodec;

/**
 * What the shared accept and fd code needs to know about one OS: its numbers, its sockaddr codec and
 * how it accepts. Each provider module builds one from its constants class; the values come from
 * {@code shared/notes/platform-constants.md}, never from the host's headers at run time.
 *
 * @param os              display name, e.g. "Linux"
 * @param errno           the OS's errno table
 * @param codec           reads this OS's sockaddr layouts
 * @param acceptFlags     flags for {@code accept4} (SOCK_NONBLOCK|SOCK_CLOEXEC), or -1 when the OS has
 *                        no accept4 and the new fd gets its flags from {@code fcntl}
 * @param goneErrnos      errnos meaning "that connection is gone, try the next one"
 * @param fDupfdCloexec   F_DUPFD_CLOEXEC
 * @param fGetfl          F_GETFL
 * @param fSetfl          F_SETFL
 * @param fGetfd          F_GETFD
 * @param fSetfd          F_SETFD
 * @param fdCloexec       FD_CLOEXEC
 * @param oNonblock       O_NONBLOCK
 * @param solSocket       SOL_SOCKET
 * @param soAcceptconn    SO_ACCEPTCONN
 * @param soType          SO_TYPE
 * @param sockStream      SOCK_STREAM
 * @param ipprotoTcp      IPPROTO_TCP
 * @param tcpKeepidle     the option behind jdk.net's TCP_KEEPIDLE (TCP_KEEPALIVE on macOS), used as
 *                        a marker to tell twin listeners apart
 * @param pollin          POLLIN
 */
public record Platform(
        String os,
        ErrnoTable errno,
        SockaddrCodec codec,
        int acceptFlags,
        int[] goneErrnos,
        int fDupfdCloexec,
        int fGetfl,
        int fSetfl,
        int fGetfd,
        int fSetfd,
        int fdCloexec,
        int oNonblock,
        int solSocket,
        int soAcceptconn,
        int soType,
        int sockStream,
        int ipprotoTcp,
        int tcpKeepidle,
        int pollin) {

    public Platform {
        goneErrnos = goneErrnos.clone();
        Arrays.sort(goneErrnos);
    }

    /** @return the name of the accept call this platform makes, for messages */
    public String acceptCall() {
        return acceptFlags >= 0 ? "accept4" : "accept";
    }

    public boolean usesAccept4() {
        return acceptFlags >= 0;
    }

    public boolean isGone(int errno) {
        return Arrays.binarySearch(goneErrnos, errno) >= 0;
    }

    public int eintr() {
        return errno.number("EINTR");
    }

    public int eagain() {
        return errno.number("EAGAIN");
    }
}
