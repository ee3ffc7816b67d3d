package org.tryaccept.linux.kit;

import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import org.tryaccept.internal.FdAccess;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.Platform;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.linux.TestProviders;

/**
 * The shared engine in its macOS flavour (plain accept, then fcntl for O_NONBLOCK and FD_CLOEXEC) over
 * Linux's numbers, so the accept-plus-fcntl path, including a failing fcntl after accept, runs here.
 */
final class AcceptThenFcntlFlavour extends FfmProvider {
    private static final Platform PLATFORM = TestProviders.platform()
            .withAccept(Platform.Accept.acceptThenFcntl(TestProviders.platform().accept().gone()));

    AcceptThenFcntlFlavour() {
        this(null, null);
    }

    AcceptThenFcntlFlavour(Syscalls sys, FdAccess fds) {
        super(sys, fds);
    }

    @Override
    protected FfmProvider over(Syscalls sys, FdAccess fds) {
        return new AcceptThenFcntlFlavour(sys, fds);
    }

    @Override
    protected Platform createPlatform() {
        return PLATFORM;
    }

    @Override
    public boolean isSupported() {
        return true;
    }

    @Override
    public String name() {
        return "linux-accept+fcntl";
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return Set.of();
    }

    @Override
    public <T> void setOption(ServerSocketChannel listener, SocketOption<T> option, T value) {
        throw new UnsupportedOperationException(option.name());
    }

    @Override
    public <T> T getOption(ServerSocketChannel listener, SocketOption<T> option) {
        throw new UnsupportedOperationException(option.name());
    }
}
