package org.tryaccept.bsd;

import static org.tryaccept.bsd.Expected.*;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link BsdSocketIo.Calls} for FreeBSD or macOS on the real Linux calls: it accepts only the BSD
 * numbers (send flags, SOL_SOCKET, SO_NOSIGPIPE, SHUT_WR), runs the Linux call and answers with BSD
 * errno numbers. macOS's SO_NOSIGPIPE has no Linux counterpart: a send is given Linux MSG_NOSIGNAL only
 * when SO_NOSIGPIPE was set on that fd right before it; otherwise the test fails, since on a Mac that
 * write could raise SIGPIPE.
 */
final class BsdIoOnLinux implements BsdSocketIo.Calls {
    private static final BsdSocketIo.Calls LINUX = BsdSocketIo.Libc.INSTANCE;

    private final boolean freebsd;
    private final java.util.Map<String, Integer> errnos;
    private int nosigpipeFd = -1;
    final List<String> calls = new ArrayList<>();

    private BsdIoOnLinux(boolean freebsd) {
        this.freebsd = freebsd;
        this.errnos = freebsd ? FREEBSD_ERRNO : MACOS_ERRNO;
    }

    static BsdIoOnLinux freebsd() {
        return new BsdIoOnLinux(true);
    }

    static BsdIoOnLinux macos() {
        return new BsdIoOnLinux(false);
    }

    private long answer(long linux) {
        if (linux >= 0) {
            return linux;
        }
        String name = LINUX_ERRNO.get((int) -linux);
        if (name == null) {
            throw new AssertionError("Linux errno " + -linux + " has no BSD translation here");
        }
        return -errnos.get(name);
    }

    @Override
    public synchronized long read(int fd, MemorySegment buf, long len) {
        calls.add("read");
        return answer(LINUX.read(fd, buf, len));
    }

    @Override
    public synchronized long send(int fd, MemorySegment buf, long len, int flags) {
        calls.add("send(0x" + Integer.toHexString(flags) + ")");
        if (freebsd) {
            if (flags != FREEBSD_MSG_NOSIGNAL) {
                throw new AssertionError("FreeBSD send without exactly MSG_NOSIGNAL: 0x" + Integer.toHexString(flags));
            }
        } else {
            if (flags != 0) {
                throw new AssertionError("macOS send with flags 0x" + Integer.toHexString(flags));
            }
            if (nosigpipeFd != fd) {
                throw new AssertionError("macOS send on fd " + fd + " without SO_NOSIGPIPE set right before");
            }
            nosigpipeFd = -1;
        }
        return answer(LINUX.send(fd, buf, len, LINUX_MSG_NOSIGNAL));
    }

    @Override
    public synchronized int shutdown(int fd, int how) {
        calls.add("shutdown(" + how + ")");
        if (how != SHUT_WR) {
            return (int) -errnos.get("EINVAL");
        }
        return (int) answer(LINUX.shutdown(fd, LINUX_SHUT_WR));
    }

    @Override
    public synchronized int setsockoptInt(int fd, int level, int name, int value) {
        calls.add("setsockopt(0x" + Integer.toHexString(level) + ", 0x" + Integer.toHexString(name) + ", " + value + ")");
        if (freebsd || level != BSD_SOL_SOCKET || name != MACOS_SO_NOSIGPIPE || value != 1) {
            return (int) -errnos.get("ENOPROTOOPT");
        }
        if (KqueueOnLinux.fileOf(fd) == null) {
            return (int) -errnos.get("EBADF");
        }
        nosigpipeFd = fd;
        return 0;
    }
}
