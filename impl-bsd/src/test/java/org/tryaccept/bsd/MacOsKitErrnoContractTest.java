package org.tryaccept.bsd;

import org.tryaccept.conformance.AbstractErrnoContractProperties;
import java.util.Set;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * The kit's errno-sequence properties against the unchanged macOS provider (accept, then fcntl), in
 * macOS numbers through {@link BsdKernelOnLinux}; the kit also makes the fcntl after accept fail.
 */
class MacOsKitErrnoContractTest extends AbstractErrnoContractProperties {
    @Override
    public ServerSocketsProvider provider() {
        return new MacOsServerSocketsProvider(BsdKernelOnLinux.macos(), null);
    }

    /** The provider targets macos's kernel, which reports no pending network errors through accept. */
    @Override
    public Set<Errno> goneErrnos() {
        return Errno.CONNECTION_GONE;
    }
}
