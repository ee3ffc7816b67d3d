package org.tryaccept.internal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ServerSocketChannel;
import org.tryaccept.spi.FaultInjector;
import org.tryaccept.spi.ServerSocketsProvider;
import org.tryaccept.spi.SockaddrCodec;

/**
 * Base of this repository's FFM providers: the accept path is {@link AcceptEngine}'s; subclasses
 * supply the {@link Platform}, the OS check, an optional {@link Readiness} and the options. Native
 * code is bound on first use, not when {@link java.util.ServiceLoader} instantiates the provider, so
 * that {@link #isSupported()} is safe to ask on any OS.
 */
public abstract class FfmProvider extends ServerSocketsProvider {
    /** System property: {@code poll} turns an OS's own readiness check off (should it misbehave). */
    public static final String READINESS_PROPERTY = "org.tryaccept.readiness";

    private final Syscalls syscallsOverride;
    private final FdAccess fdAccessOverride;
    private volatile Parts parts;

    /** What one provider instance runs on, built once on first use. */
    private record Parts(Platform platform, Syscalls sys, ListenerFds listeners, AcceptEngine engine) {
    }

    /** Real system calls, fd access chosen by {@link FdAccess#select}. */
    protected FfmProvider() {
        this(null, null);
    }

    /**
     * @param syscalls the system calls to make, or null for the C library (subclasses expose this to
     *                 their own tests only, package-private)
     * @param fdAccess how to find a channel's fd, or null for {@link FdAccess#select}
     */
    protected FfmProvider(Syscalls syscalls, FdAccess fdAccess) {
        this.syscallsOverride = syscalls;
        this.fdAccessOverride = fdAccess;
    }

    /** @return this OS's constants; called once, on first use */
    protected abstract Platform createPlatform();

    /** @return a new instance of the same provider over other system calls (for {@link #withFaults}) */
    protected abstract FfmProvider over(Syscalls syscalls, FdAccess fdAccess);

    /**
     * @return the OS's own readiness check, or null to use {@code poll} (the default); called once,
     *         and not at all when {@value #READINESS_PROPERTY} is {@code poll}
     */
    protected Readiness createReadiness(Platform platform, Syscalls sys, ListenerFds listeners) {
        return null;
    }

    private Parts parts() {
        Parts p = parts;
        if (p == null) {
            synchronized (this) {
                p = parts;
                if (p == null) {
                    Platform platform = createPlatform();
                    Syscalls sys = syscallsOverride != null ? syscallsOverride : new LibcSyscalls(platform.poll());
                    FdAccess fds = fdAccessOverride != null ? fdAccessOverride : FdAccess.select(platform, sys);
                    ListenerFds listeners = new ListenerFds(fds, sys, platform);
                    Readiness readiness = "poll".equals(System.getProperty(READINESS_PROPERTY))
                            ? null : createReadiness(platform, sys, listeners);
                    parts = p = new Parts(platform, sys, listeners,
                            new AcceptEngine(platform, sys, listeners, readiness));
                }
            }
        }
        return p;
    }

    /** @return this OS's constants */
    public final Platform platform() {
        return parts().platform();
    }

    /** @return the system calls this instance makes */
    protected final Syscalls syscalls() {
        return parts().sys();
    }

    /** @return the fd-borrowing protocol over this instance's system calls */
    protected final ListenerFds listeners() {
        return parts().listeners();
    }

    /** @return how channel fds are read: "jdk-acceptlock", "jdk-internal" or "discovery" */
    public final String fdAccessMode() {
        return parts().listeners().accessMode();
    }

    /** @return how the nothing-pending path asks the kernel: "epoll" or "poll" */
    public final String readinessMode() {
        return parts().engine().readinessMode();
    }

    @Override
    public final int tryAccept(ServerSocketChannel listener, MemorySegment peer, MemorySegment peerLength)
            throws IOException {
        return parts().engine().tryAccept(listener, peer, peerLength);
    }

    @Override
    public final SockaddrCodec sockaddrCodec() {
        return platform().codec();
    }

    @Override
    public final void close(int fd) throws IOException {
        parts().engine().close(fd);
    }

    /** The production readiness path stays on: only the accept path and fd bookkeeping are observed. */
    @Override
    public final ServerSocketsProvider withFaults(FaultInjector faults) {
        java.util.Objects.requireNonNull(faults, "faults");
        return over(new FaultInjectingSyscalls(syscalls(), platform(), faults), fdAccessOverride);
    }
}
