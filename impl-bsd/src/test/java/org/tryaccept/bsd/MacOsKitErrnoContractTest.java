package org.tryaccept.bsd;

import org.tryaccept.conformance.AbstractErrnoContractProperties;
import org.tryaccept.conformance.ProviderFactory;
import org.tryaccept.internal.Syscalls;

/**
 * The kit's errno-sequence properties against the unchanged macOS provider (accept, then fcntl), in
 * macOS numbers through {@link BsdKernelOnLinux}; the kit also makes the fcntl after accept fail.
 */
class MacOsKitErrnoContractTest extends AbstractErrnoContractProperties {
    @Override
    protected ProviderFactory factory() {
        return MacOsServerSocketsProvider::new;
    }

    @Override
    protected Syscalls realSyscalls() {
        return BsdKernelOnLinux.macos();
    }
}
