package org.tryaccept.conformance;

import java.util.Locale;

/**
 * The fcntl numbers of the OS the kit runs on, so it can read an accepted fd's flags itself, without
 * trusting the provider under test. F_GETFD 1, F_GETFL 3 and FD_CLOEXEC 1 are the same on Linux,
 * FreeBSD and macOS; O_NONBLOCK is 0x800 on Linux ({@code <asm-generic/fcntl.h>}: 00004000) and 0x4 on
 * FreeBSD ({@code sys/sys/fcntl.h}) and macOS ({@code bsd/sys/fcntl.h}).
 */
final class HostFcntl {
    static final int F_GETFD = 1;
    static final int F_GETFL = 3;
    static final int FD_CLOEXEC = 1;
    static final int O_NONBLOCK = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
            ? 0x800 : 0x4;

    private HostFcntl() {
    }
}
