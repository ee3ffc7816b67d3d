package org.tryaccept.bsd;

import org.tryaccept.internal.ErrnoTable;
import org.tryaccept.spi.Errno;

/**
 * One OS's numbers for {@link BsdSocketIo}, built by {@link FreeBsdConstants#io()} and
 * {@link MacOsConstants#io()} (where each value is cited).
 *
 * @param msgNosignal  the send(2) flag that suppresses SIGPIPE, or 0 where it is not used (macOS)
 * @param soNosigpipe  the SOL_SOCKET option set before each write, or 0 where it is not used (FreeBSD)
 */
record BsdIoSpec(String os, ErrnoTable errno, int msgNosignal, int solSocket, int soNosigpipe, int shutWr) {

    int eagain() {
        return errno.number(Errno.EAGAIN);
    }

    int eintr() {
        return errno.number(Errno.EINTR);
    }
}
