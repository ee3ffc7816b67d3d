package org.tryaccept.bsd;

import org.tryaccept.conformance.AbstractErrnoContractProperties;
import java.util.Set;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * The kit's errno-sequence properties against the unchanged FreeBSD provider, with FreeBSD errno
 * numbers: injected errors are turned into FreeBSD numbers by the provider's seam, and the real calls go to
 * this Linux kernel through {@link BsdKernelOnLinux}, which speaks FreeBSD numbers both ways.
 */
class FreeBsdKitErrnoContractTest extends AbstractErrnoContractProperties {
    @Override
    public ServerSocketsProvider provider() {
        return new FreeBsdServerSocketsProvider(BsdKernelOnLinux.freebsd(), null);
    }

    /** The provider targets freebsd's kernel, which reports no pending network errors through accept. */
    @Override
    public Set<Errno> goneErrnos() {
        return Errno.CONNECTION_GONE;
    }
}
