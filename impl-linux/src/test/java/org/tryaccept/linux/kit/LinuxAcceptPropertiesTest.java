package org.tryaccept.linux.kit;

import org.tryaccept.conformance.AbstractAcceptProperties;
import org.tryaccept.linux.LinuxServerSocketsProvider;
import org.tryaccept.spi.ServerSocketsProvider;

/** The kit's loopback properties (EAGAIN, drain, differential, deferral) against the Linux provider. */
class LinuxAcceptPropertiesTest extends AbstractAcceptProperties {
    private static final ServerSocketsProvider PROVIDER = new LinuxServerSocketsProvider();

    @Override
    public ServerSocketsProvider provider() {
        return PROVIDER;
    }
}
