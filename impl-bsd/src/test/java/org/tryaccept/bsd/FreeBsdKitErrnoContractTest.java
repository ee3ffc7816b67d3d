package org.tryaccept.bsd;

import org.tryaccept.conformance.AbstractErrnoContractProperties;
import org.tryaccept.conformance.ProviderFactory;
import org.tryaccept.internal.Syscalls;

/**
 * The kit's errno-sequence properties against the unchanged FreeBSD provider, with FreeBSD errno
 * numbers: injected results come straight from the kit in FreeBSD numbers, and the real calls go to
 * this Linux kernel through {@link BsdKernelOnLinux}, which speaks FreeBSD numbers both ways.
 */
class FreeBsdKitErrnoContractTest extends AbstractErrnoContractProperties {
    @Override
    protected ProviderFactory factory() {
        return FreeBsdServerSocketsProvider::new;
    }

    @Override
    protected Syscalls realSyscalls() {
        return BsdKernelOnLinux.freebsd();
    }
}
