package org.tryaccept.internal;

import java.lang.foreign.MemorySegment;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.FaultInjector;

/**
 * The system calls of a provider made by {@code withFaults}: the accept path asks the
 * {@link FaultInjector} before accept and before the fcntl calls on a new fd, and reports every fd it
 * gets from the kernel and every close. Symbolic errnos are turned into this OS's numbers here, so the
 * engine meets an injected error exactly as it would meet the kernel's.
 */
final class FaultInjectingSyscalls extends ForwardingSyscalls {
    private final FaultInjector faults;
    private final Platform platform;

    FaultInjectingSyscalls(Syscalls real, Platform platform, FaultInjector faults) {
        super(real);
        this.platform = platform;
        this.faults = faults;
    }

    @Override
    public int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        Errno injected = faults.beforeAccept("accept4");
        if (injected != null) {
            return -platform.errno().number(injected);
        }
        return opened(real.accept4(fd, addr, addrlen, flags), "accept4");
    }

    @Override
    public int accept(int fd, MemorySegment addr, MemorySegment addrlen) {
        Errno injected = faults.beforeAccept("accept");
        if (injected != null) {
            return -platform.errno().number(injected);
        }
        return opened(real.accept(fd, addr, addrlen), "accept");
    }

    @Override
    public int dupCloexec(int fd, int fDupfdCloexec) {
        return opened(real.dupCloexec(fd, fDupfdCloexec), "fcntl(F_DUPFD_CLOEXEC)");
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        Platform.Fcntl f = platform.fcntl();
        if (cmd == f.fSetfl() || cmd == f.fSetfd()) {
            // The engine sets flags only on a fd it has just accepted (accept-then-fcntl platforms).
            Errno injected = faults.beforeFcntl(fd, cmd == f.fSetfl() ? "fcntl(F_SETFL)" : "fcntl(F_SETFD)");
            if (injected != null) {
                return -platform.errno().number(injected);
            }
        }
        return real.fcntl(fd, cmd, arg);
    }

    @Override
    public int close(int fd) {
        int r = real.close(fd);
        faults.closed(fd);
        return r;
    }

    private int opened(int fd, String call) {
        if (fd >= 0) {
            faults.opened(fd, call);
        }
        return fd;
    }
}
