package org.tryaccept.bsd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.tryaccept.internal.NativeBinder;
import org.tryaccept.internal.Syscalls;

/**
 * kqueue(2) and kevent(2) from the C library, bound on first use (this class is loaded only when a
 * BSD provider opens a Poller). The plain name {@code kevent} binds the default symbol version, which
 * on FreeBSD 12 and later is {@code kevent@@FBSD_1.5} with the 64-byte {@code struct kevent}
 * (FreeBSD {@code lib/libsys/Symbol.sys.map}); that the FreeBSD runtime linker resolves a plain
 * {@code dlsym} that way has not been run here.
 */
final class LibcKqueue implements KqueueCalls {
    // int kqueue(void)   kqueue(2)
    private static final MethodHandle KQUEUE = NativeBinder.bind("kqueue", FunctionDescriptor.of(JAVA_INT));
    // int kevent(int kq, const struct kevent *changelist, int nchanges, struct kevent *eventlist,
    //            int nevents, const struct timespec *timeout)   kqueue(2)
    private static final MethodHandle KEVENT = NativeBinder.bind("kevent",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));

    /** int kqueuex(u_int flags): FreeBSD 14.0 and later (kqueue(2) HISTORY); absent on macOS. */
    private static final class Kqueuex {
        static final MethodHandle KQUEUEX = NativeBinder.bind("kqueuex", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private final KqueueSpec spec;
    private final Syscalls sys;
    private final int kqueuexFlags;

    /**
     * @param kqueuexFlags {@code KQUEUE_CLOEXEC} to create with kqueuex(2), or -1 to use kqueue(2)
     *                     (then {@code fcntl(F_SETFD, FD_CLOEXEC)} if {@code spec.cloexecByFcntl()})
     */
    LibcKqueue(KqueueSpec spec, Syscalls sys, int kqueuexFlags) {
        this.spec = spec;
        this.sys = sys;
        this.kqueuexFlags = kqueuexFlags;
    }

    /** FreeBSD: kqueuex(KQUEUE_CLOEXEC) where the C library has it (14.0+), else kqueue + fcntl. */
    static LibcKqueue freebsd(Syscalls sys) {
        boolean x = NativeBinder.has("kqueuex");
        return new LibcKqueue(FreeBsdConstants.kqueue(x), sys, x ? FreeBsdConstants.KQUEUE_CLOEXEC : -1);
    }

    static LibcKqueue macos(Syscalls sys) {
        return new LibcKqueue(MacOsConstants.kqueue(), sys, -1);
    }

    KqueueSpec spec() {
        return spec;
    }

    @Override
    public int kqueue() {
        MemorySegment errno = NativeBinder.errnoSegment();
        int kq;
        try {
            kq = kqueuexFlags >= 0
                    ? (int) Kqueuex.KQUEUEX.invokeExact(errno, kqueuexFlags)
                    : (int) KQUEUE.invokeExact(errno);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
        if (kq < 0) {
            return -NativeBinder.errno(errno);
        }
        if (kqueuexFlags < 0 && spec.cloexecByFcntl()) {
            // FreeBSD 13: a kqueue survives exec unless close-on-exec is set (kern_descrip.c,
            // fdcloseexec); there is a small window until this call.
            int r = sys.fcntl(kq, spec.fSetfd(), spec.fdCloexec());
            if (r < 0) {
                sys.close(kq);
                return r;
            }
        }
        return kq;
    }

    @Override
    public int kevent(int kq, MemorySegment changes, int nchanges, MemorySegment events, int nevents,
                      MemorySegment timeout) {
        MemorySegment errno = NativeBinder.errnoSegment();
        try {
            return NativeBinder.result((int) KEVENT.invokeExact(errno, kq, changes, nchanges, events, nevents, timeout),
                    errno);
        } catch (Throwable t) {
            throw NativeBinder.rethrow(t);
        }
    }

    @Override
    public int close(int fd) {
        return sys.close(fd);
    }
}
