package org.tryaccept.linux.kit;

import org.tryaccept.conformance.AbstractTryAcceptContractTest;
import org.tryaccept.linux.LinuxServerSocketsProvider;
import org.tryaccept.spi.ServerSocketsProvider;

/** The kit's example-based contract checks against the Linux provider. */
class LinuxContractTest extends AbstractTryAcceptContractTest {
    private static final ServerSocketsProvider PROVIDER = new LinuxServerSocketsProvider();

    @Override
    public ServerSocketsProvider provider() {
        return PROVIDER;
    }
}
