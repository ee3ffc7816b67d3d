package org.tryaccept.conformance;

import org.tryaccept.internal.FdAccess;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * Builds the provider under test on top of given system calls, so the kit can inject faults below the
 * provider's syscall layer (the seam the design's section 7 asks for).
 *
 * <pre>{@code
 * ProviderFactory factory = (sys, fds) -> new LinuxServerSocketsProvider(sys, fds);
 * }</pre>
 */
@FunctionalInterface
public interface ProviderFactory {

    /**
     * @param syscalls every system call the provider makes must go through this
     * @param fdAccess how to find a channel's fd, or {@code null} for the provider's own choice
     * @return a new provider instance (not shared with other tests)
     */
    ServerSocketsProvider create(Syscalls syscalls, FdAccess fdAccess);
}
