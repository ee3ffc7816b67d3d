package org.tryaccept.linux.kit;

import org.tryaccept.conformance.AbstractInterleavingProperties;
import org.tryaccept.linux.LinuxServerSocketsProvider;
import org.tryaccept.spi.ServerSocketsProvider;

/** The kit's model-based accept-queue property against the Linux provider. */
class LinuxInterleavingPropertiesTest extends AbstractInterleavingProperties {
    private static final ServerSocketsProvider PROVIDER = new LinuxServerSocketsProvider();

    @Override
    public ServerSocketsProvider provider() {
        return PROVIDER;
    }
}
