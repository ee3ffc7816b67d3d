package com.example.outsider;

import java.util.EnumMap;
import java.util.Map;
import org.tryaccept.ErrnoException;
import org.tryaccept.spi.Errno;

/**
 * Linux's numbers for the symbolic {@link Errno} names ({@code <asm-generic/errno-base.h>} and
 * {@code <asm-generic/errno.h>}, the same on x86_64 and aarch64), both ways.
 */
final class LinuxErrno {
    static final int EINTR = 4;
    static final int EBADF = 9;
    static final int EAGAIN = 11;

    private static final Map<Errno, Integer> NUMBERS = new EnumMap<>(Errno.class);
    private static final Errno[] NAMES = new Errno[134];

    static {
        Object[] table = {
            Errno.EPERM, 1, Errno.ENOENT, 2, Errno.EINTR, 4, Errno.EBADF, 9, Errno.EAGAIN, 11,
            Errno.ENOMEM, 12, Errno.EFAULT, 14, Errno.EEXIST, 17, Errno.EINVAL, 22, Errno.ENFILE, 23,
            Errno.EMFILE, 24, Errno.EPIPE, 32, Errno.ENONET, 64, Errno.EPROTO, 71, Errno.ENOTSOCK, 88,
            Errno.ENOPROTOOPT, 92, Errno.EOPNOTSUPP, 95, Errno.ENOTSUP, 95, Errno.EADDRINUSE, 98,
            Errno.ENETDOWN, 100, Errno.ENETUNREACH, 101, Errno.ECONNABORTED, 103, Errno.ECONNRESET, 104,
            Errno.ENOBUFS, 105, Errno.ENOTCONN, 107, Errno.ETIMEDOUT, 110, Errno.ECONNREFUSED, 111,
            Errno.EHOSTDOWN, 112, Errno.EHOSTUNREACH, 113, Errno.EINPROGRESS, 115,
        };
        for (int i = 0; i < table.length; i += 2) {
            Errno e = (Errno) table[i];
            int n = (Integer) table[i + 1];
            NUMBERS.put(e, n);
            if (NAMES[n] == null) { // 95: EOPNOTSUPP, listed before its alias ENOTSUP
                NAMES[n] = e;
            }
        }
        if (NUMBERS.size() != Errno.values().length) {
            throw new ExceptionInInitializerError("Linux number missing for some of " + java.util.List.of(Errno.values()));
        }
    }

    private LinuxErrno() {
    }

    static int number(Errno e) {
        return NUMBERS.get(e);
    }

    /** @return the name of a Linux errno number, or null when tryaccept has none */
    static Errno name(int n) {
        return n >= 0 && n < NAMES.length ? NAMES[n] : null;
    }

    static ErrnoException exception(String call, int n) {
        Errno e = name(n);
        return e != null ? new ErrnoException(call, n, e.name(), e.description())
                : new ErrnoException(call, n, "errno " + n, "Unknown error " + n);
    }
}
