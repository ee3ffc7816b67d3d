package org.tryaccept.internal;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * Base of the FFM providers: the accept path is {@link AcceptEngine}'s; subclasses supply the
 * {@link Platform}, the OS check and the options. Native code is bound on first use, not when
 * {@link java.util.ServiceLoader} instantiates the provider, so that {@link #isSupported()} is safe to
 * ask on any OS.
 */
public abstract class FfmProvider extends ServerSocketsProvider {
    private final Syscalls injected;
    private final FdAccess injectedFds;
    private volatile AcceptEngine engine;

    /** Real system calls, fd access chosen by {@link FdAccess#select}. */
    protected FfmProvider() {
        this(null, null);
    }

    /** For tests: given system calls (the injection seam) and, optionally, a given fd access mode. */
    protected FfmProvider(Syscalls syscalls, FdAccess fdAccess) {
        this.injected = syscalls;
        this.injectedFds = fdAccess;
    }

    /** @return this OS's constants; called once, on first use */
    protected abstract Platform createPlatform();

    /** System property: {@code poll} turns the epoll readiness check off (a fallback, should it misbehave). */
    public static final String READINESS_PROPERTY = "org.tryaccept.readiness";

    /**
     * @return true to check readiness with the process-wide epoll instance (Linux). Only with the real
     *         system calls: an injected layer scripts readiness through {@link Syscalls#poll}.
     */
    protected boolean epollReadinessSupported() {
        return false;
    }

    private boolean useEpollReadiness() {
        return epollReadinessSupported() && !"poll".equals(System.getProperty(READINESS_PROPERTY));
    }

    /** @return the engine, created on first use */
    public final AcceptEngine engine() {
        AcceptEngine e = engine;
        if (e == null) {
            synchronized (this) {
                e = engine;
                if (e == null) {
                    Platform p = createPlatform();
                    Syscalls s = injected != null ? injected : LibcSyscalls.INSTANCE;
                    FdAccess f = injectedFds != null ? injectedFds : FdAccess.select(p, s);
                    engine = e = new AcceptEngine(p, s, f, injected == null && useEpollReadiness());
                }
            }
        }
        return e;
    }

    /** Builds the fd access of the given mode ("jdk" or "discovery") for tests and benchmarks. */
    public static FdAccess fdAccess(String mode, Platform platform, Syscalls sys) {
        return switch (mode) {
            case "jdk" -> new JdkFdAccess();
            case "discovery" -> new FdDiscovery(platform, sys);
            default -> throw new IllegalArgumentException("fd access mode is jdk or discovery, got " + mode);
        };
    }

    @Override
    public boolean tryAccept(ServerSocketChannel listener, AcceptBuffer into) throws IOException {
        return engine().tryAccept(listener, into);
    }

    @Override
    public void close(int fd) throws IOException {
        engine().close(fd);
    }
}
