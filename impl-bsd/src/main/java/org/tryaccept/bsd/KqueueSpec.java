package org.tryaccept.bsd;

import org.tryaccept.internal.ErrnoTable;
import org.tryaccept.spi.Errno;

/**
 * One OS's kqueue numbers and {@code struct kevent} layout, built by {@link FreeBsdConstants#kqueue()}
 * and {@link MacOsConstants#kqueue()} (where each value is cited).
 *
 * @param cloexecByFcntl whether {@code kqueue()} needs {@code fcntl(F_SETFD, FD_CLOEXEC)} afterwards
 *                       (FreeBSD without {@code kqueuex}; never on macOS, whose kqueues are always
 *                       close-on-exec)
 */
record KqueueSpec(String os, ErrnoTable errno, KeventLayout layout,
                  short evfiltRead, short evfiltWrite, short evfiltUser,
                  int evAdd, int evDelete, int evDisable, int evOneshot, int evClear, int evReceipt,
                  int evEof, int evError, int noteTrigger,
                  boolean cloexecByFcntl, int fSetfd, int fdCloexec) {

    int eintr() {
        return errno.number(Errno.EINTR);
    }

    int enoent() {
        return errno.number(Errno.ENOENT);
    }

    int eexist() {
        return errno.number(Errno.EEXIST);
    }
}
