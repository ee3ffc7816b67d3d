package org.tryaccept.linux.kit;

import org.tryaccept.conformance.AbstractErrnoContractProperties;
import org.tryaccept.spi.ServerSocketsProvider;

/** The errno-sequence properties on the accept-plus-fcntl path, where fcntl after accept can fail. */
class LinuxAcceptThenFcntlErrnoContractTest extends AbstractErrnoContractProperties {
    @Override
    public ServerSocketsProvider provider() {
        return new AcceptThenFcntlFlavour();
    }
}
