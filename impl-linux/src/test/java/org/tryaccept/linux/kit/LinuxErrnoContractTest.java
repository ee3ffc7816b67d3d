package org.tryaccept.linux.kit;

import org.tryaccept.conformance.AbstractErrnoContractProperties;
import org.tryaccept.spi.ServerSocketsProvider;
import org.tryaccept.linux.LinuxServerSocketsProvider;

/** The kit's errno-sequence properties against the Linux provider (accept4 path). */
class LinuxErrnoContractTest extends AbstractErrnoContractProperties {
    @Override
    public ServerSocketsProvider provider() {
        return new LinuxServerSocketsProvider();
    }
}
