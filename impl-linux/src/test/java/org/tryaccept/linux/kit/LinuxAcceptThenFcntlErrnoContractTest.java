package org.tryaccept.linux.kit;

import org.tryaccept.conformance.AbstractErrnoContractProperties;
import org.tryaccept.conformance.ProviderFactory;

/** The errno-sequence properties on the accept-plus-fcntl path, where fcntl after accept can fail. */
class LinuxAcceptThenFcntlErrnoContractTest extends AbstractErrnoContractProperties {
    @Override
    protected ProviderFactory factory() {
        return AcceptThenFcntlFlavour::new;
    }
}
