package org.tryaccept.bsd;

import static org.tryaccept.bsd.Expected.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import org.tryaccept.internal.LibcSyscalls;
import org.tryaccept.internal.Syscalls;

/**
 * A strict FreeBSD or macOS "kernel" on top of the real Linux one: it takes BSD numbers (flags,
 * fcntl commands, option levels and names), checks each against the expected value transcribed from the headers (Expected),
 * runs the real Linux call, and answers in BSD terms (BSD sockaddr layout, BSD errno numbers). A wrong
 * constant in a provider makes a call fail here, as it would on the real OS.
 *
 * <p>FreeBSD's {@code SO_ACCEPTFILTER} is modelled after {@code sys/kern/uipc_accf.c}
 * (accept_filt_setopt/getopt): a NULL value deletes (EINVAL when not listening); installing needs a
 * loaded filter (ENOENT), a listening socket and no filter yet (EINVAL); reading fails with EINVAL
 * when not listening or without a filter.
 */
final class BsdKernelOnLinux implements Syscalls {
    // The host's calls, in Linux numbers (nfds_t is 8 bytes here).
    private static final Syscalls LINUX = new LibcSyscalls(new org.tryaccept.internal.Platform.Poll(1, 8));

    private final boolean freebsd;
    private final Map<String, Integer> errnos;
    private final int afInet6;
    private final int dupfdCloexec;
    private final int keepidle;

    /** Filter loaded in the "kernel" (kldload accf_data). */
    final Set<String> loadedFilters = new HashSet<>(Set.of("dataready", "httpready"));
    /** Installed filter per listener, keyed by its local address bytes. */
    final Map<String, String> installed = new HashMap<>();
    /** Every call made, in order, as "name(args)". */
    final List<String> calls = new ArrayList<>();
    /** When set, replaces the result of the next accept/accept4 (a Linux errno, negated). */
    volatile IntSupplier acceptFault;
    /** When >0: the fcntl number (counted after an accept) that fails with {@link #fcntlFaultErrno}. */
    volatile int fcntlFaultAt;
    volatile String fcntlFaultErrno = "EINVAL";
    private int fcntlsSinceAccept;
    /** The last fd that accept handed out. */
    volatile int lastAccepted = -1;

    private BsdKernelOnLinux(boolean freebsd) {
        this.freebsd = freebsd;
        this.errnos = freebsd ? FREEBSD_ERRNO : MACOS_ERRNO;
        this.afInet6 = freebsd ? FREEBSD_AF_INET6 : MACOS_AF_INET6;
        this.dupfdCloexec = freebsd ? FREEBSD_F_DUPFD_CLOEXEC : MACOS_F_DUPFD_CLOEXEC;
        this.keepidle = freebsd ? FREEBSD_TCP_KEEPIDLE : MACOS_TCP_KEEPALIVE;
    }

    static BsdKernelOnLinux freebsd() {
        return new BsdKernelOnLinux(true);
    }

    static BsdKernelOnLinux macos() {
        return new BsdKernelOnLinux(false);
    }

    int errno(String name) {
        Integer n = errnos.get(name);
        if (n == null) {
            throw new AssertionError("no " + name + " on " + (freebsd ? "FreeBSD" : "macOS"));
        }
        return n;
    }

    /** Linux result to BSD result: values pass, -errno is renumbered by name. */
    private int answer(int linuxResult) {
        if (linuxResult >= 0) {
            return linuxResult;
        }
        String name = LINUX_ERRNO.get(-linuxResult);
        if (name == null) {
            throw new AssertionError("Linux errno " + -linuxResult + " has no BSD translation here");
        }
        return -errno(name);
    }

    private synchronized void log(String call) {
        calls.add(call);
    }

    synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    @Override
    public int poll(int fd, int events) {
        if (events != BSD_POLLIN) {
            return -errno("EINVAL");
        }
        // POLLIN/POLLHUP/POLLNVAL have the same bits on Linux and the BSDs (0x1, 0x10, 0x20).
        return answer(LINUX.poll(fd, 0x1));
    }

    @Override
    public int dupCloexec(int fd, int cmd) {
        log("dupCloexec(" + cmd + ")");
        if (cmd != dupfdCloexec) {
            return -errno("EINVAL");
        }
        return answer(LINUX.dupCloexec(fd, LINUX_F_DUPFD_CLOEXEC));
    }

    @Override
    public int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        log("accept4(" + Integer.toHexString(flags) + ")");
        if (!freebsd) {
            throw new AssertionError("macOS has no accept4; the provider must not call it");
        }
        if (flags != (FREEBSD_SOCK_NONBLOCK | FREEBSD_SOCK_CLOEXEC)) {
            return -errno("EINVAL");
        }
        return acceptInto(fd, addr, addrlen, LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC);
    }

    @Override
    public int accept(int fd, MemorySegment addr, MemorySegment addrlen) {
        log("accept");
        return acceptInto(fd, addr, addrlen, 0);
    }

    private int acceptInto(int fd, MemorySegment addr, MemorySegment addrlen, int linuxFlags) {
        IntSupplier fault = acceptFault;
        if (fault != null) {
            acceptFault = null;
            return answer(fault.getAsInt());
        }
        int capacity = addrlen.get(ValueLayout.JAVA_INT, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment linuxAddr = arena.allocate(128, 8);
            MemorySegment linuxLen = arena.allocate(ValueLayout.JAVA_INT);
            linuxLen.set(ValueLayout.JAVA_INT, 0, 128);
            int r = linuxFlags != 0 ? LINUX.accept4(fd, linuxAddr, linuxLen, linuxFlags)
                    : LINUX.accept(fd, linuxAddr, linuxLen);
            if (r < 0) {
                return answer(r);
            }
            int n = toBsdSockaddr(linuxAddr, linuxLen.get(ValueLayout.JAVA_INT, 0), addr, capacity, afInet6);
            addrlen.set(ValueLayout.JAVA_INT, 0, n);
            synchronized (this) {
                fcntlsSinceAccept = 0;
            }
            lastAccepted = r;
            return r;
        }
    }

    /** Rewrites a Linux sockaddr in the BSD layout; returns the BSD length. */
    static int toBsdSockaddr(MemorySegment linux, int linuxLen, MemorySegment bsd, int capacity, int bsdAfInet6) {
        int family = linux.get(ValueLayout.JAVA_SHORT, 0) & 0xffff;
        int length;
        int bsdFamily;
        if (family == LINUX_AF_INET) {
            length = 16;
            bsdFamily = AF_INET;
        } else if (family == LINUX_AF_INET6) {
            length = 28;
            bsdFamily = bsdAfInet6;
        } else if (family == LINUX_AF_UNIX) {
            length = 2 + Math.min(Math.max(0, linuxLen - 2), SUN_PATH_SIZE);
            bsdFamily = AF_UNIX;
        } else {
            throw new AssertionError("unexpected Linux family " + family);
        }
        length = Math.min(length, capacity);
        bsd.asSlice(0, length).fill((byte) 0);
        if (length > 2) {
            MemorySegment.copy(linux, 2, bsd, 2, Math.min(length, linuxLen) - 2);
        }
        bsd.set(ValueLayout.JAVA_BYTE, 0, (byte) length);
        bsd.set(ValueLayout.JAVA_BYTE, 1, (byte) bsdFamily);
        return length;
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        log("fcntl(" + cmd + "," + Integer.toHexString(arg) + ")");
        int at;
        synchronized (this) {
            at = ++fcntlsSinceAccept;
        }
        if (fcntlFaultAt > 0 && at == fcntlFaultAt && fd == lastAccepted) {
            return -errno(fcntlFaultErrno);
        }
        if (cmd == dupfdCloexec) {
            return answer(LINUX.dupCloexec(fd, LINUX_F_DUPFD_CLOEXEC));
        }
        return switch (cmd) {
            case BSD_F_GETFD -> answer(LINUX.fcntl(fd, LINUX_F_GETFD, 0));
            case BSD_F_SETFD -> arg == BSD_FD_CLOEXEC || arg == 0
                    ? answer(LINUX.fcntl(fd, LINUX_F_SETFD, arg)) : -errno("EINVAL");
            case BSD_F_GETFL -> {
                int r = LINUX.fcntl(fd, LINUX_F_GETFL, 0);
                yield r < 0 ? answer(r) : ((r & LINUX_O_NONBLOCK) != 0 ? BSD_O_NONBLOCK : 0);
            }
            case BSD_F_SETFL -> (arg & ~BSD_O_NONBLOCK) != 0 ? -errno("EINVAL")
                    : answer(LINUX.fcntl(fd, LINUX_F_SETFL, (arg & BSD_O_NONBLOCK) != 0 ? LINUX_O_NONBLOCK : 0));
            default -> -errno("EINVAL");
        };
    }

    @Override
    public int close(int fd) {
        return answer(LINUX.close(fd));
    }

    private int[] linuxOption(int level, int name) {
        if (level == BSD_SOL_SOCKET && name == BSD_SO_ACCEPTCONN) {
            return new int[] {LINUX_SOL_SOCKET, LINUX_SO_ACCEPTCONN};
        }
        if (level == BSD_SOL_SOCKET && name == BSD_SO_TYPE) {
            return new int[] {LINUX_SOL_SOCKET, LINUX_SO_TYPE};
        }
        if (level == IPPROTO_TCP && name == keepidle) {
            return new int[] {IPPROTO_TCP, LINUX_TCP_KEEPIDLE};
        }
        return null;
    }

    @Override
    public int setsockoptInt(int fd, int level, int name, int value) {
        int[] o = linuxOption(level, name);
        return o == null ? -errno("ENOPROTOOPT") : answer(LINUX.setsockoptInt(fd, o[0], o[1], value));
    }

    @Override
    public int getsockoptInt(int fd, int level, int name) {
        int[] o = linuxOption(level, name);
        return o == null ? -errno("ENOPROTOOPT") : answer(LINUX.getsockoptInt(fd, o[0], o[1]));
    }

    private boolean isAcceptFilter(int level, int name) {
        return freebsd && level == BSD_SOL_SOCKET && name == FREEBSD_SO_ACCEPTFILTER;
    }

    private boolean listening(int fd) {
        return LINUX.getsockoptInt(fd, LINUX_SOL_SOCKET, LINUX_SO_ACCEPTCONN) == 1;
    }

    private static String key(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(128, 8);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 128);
            if (LINUX.getsockname(fd, sa, len) < 0) {
                return "fd" + fd;
            }
            return HexFormat.of().formatHex(sa.asSlice(0, len.get(ValueLayout.JAVA_INT, 0)).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Override
    public synchronized int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        if (!isAcceptFilter(level, name)) {
            return -errno("ENOPROTOOPT");
        }
        log("setsockopt(SO_ACCEPTFILTER," + (value.equals(MemorySegment.NULL) ? "NULL" : "arg") + "," + length + ")");
        if (value.equals(MemorySegment.NULL)) {
            if (!listening(fd)) {
                return -errno("EINVAL");
            }
            installed.remove(key(fd));
            return 0;
        }
        if (length < ACCEPT_FILTER_ARG_SIZE) {
            return -errno("EINVAL"); // sooptcopyin with minlen = sizeof(struct accept_filter_arg)
        }
        MemorySegment arg = value.reinterpret(ACCEPT_FILTER_ARG_SIZE);
        byte[] raw = arg.asSlice(AF_NAME_OFFSET, AF_NAME_SIZE - 1).toArray(ValueLayout.JAVA_BYTE);
        int end = 0;
        while (end < raw.length && raw[end] != 0) {
            end++;
        }
        String filter = new String(raw, 0, end, java.nio.charset.StandardCharsets.US_ASCII);
        if (!loadedFilters.contains(filter)) {
            return -errno("ENOENT");
        }
        if (!listening(fd) || installed.containsKey(key(fd))) {
            return -errno("EINVAL");
        }
        installed.put(key(fd), filter);
        return 0;
    }

    @Override
    public synchronized int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        if (!isAcceptFilter(level, name)) {
            return -errno("ENOPROTOOPT");
        }
        log("getsockopt(SO_ACCEPTFILTER)");
        String filter = listening(fd) ? installed.get(key(fd)) : null;
        if (filter == null) {
            return -errno("EINVAL");
        }
        int capacity = length.get(ValueLayout.JAVA_INT, 0);
        byte[] struct = new byte[ACCEPT_FILTER_ARG_SIZE];
        byte[] n = filter.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, struct, AF_NAME_OFFSET, n.length);
        int copied = Math.min(capacity, struct.length); // sooptcopyout truncates to the caller's size
        MemorySegment.copy(struct, 0, value.reinterpret(copied), ValueLayout.JAVA_BYTE, 0, copied);
        length.set(ValueLayout.JAVA_INT, 0, copied);
        return 0;
    }

    @Override
    public int getsockname(int fd, MemorySegment addr, MemorySegment addrlen) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment linuxAddr = arena.allocate(128, 8);
            MemorySegment linuxLen = arena.allocate(ValueLayout.JAVA_INT);
            linuxLen.set(ValueLayout.JAVA_INT, 0, 128);
            int r = LINUX.getsockname(fd, linuxAddr, linuxLen);
            if (r < 0) {
                return answer(r);
            }
            addrlen.set(ValueLayout.JAVA_INT, 0, toBsdSockaddr(linuxAddr, linuxLen.get(ValueLayout.JAVA_INT, 0),
                    addr, addrlen.get(ValueLayout.JAVA_INT, 0), afInet6));
            return 0;
        }
    }
}
