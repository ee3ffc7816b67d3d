package com.example.outsider;

import org.tryaccept.conformance.AbstractInterleavingProperties;
import org.tryaccept.spi.ServerSocketsProvider;

/** The kit's model-based accept-queue property against the outsider's provider. */
class OutsiderInterleavingPropertiesTest extends AbstractInterleavingProperties {
    private static final ServerSocketsProvider PROVIDER = new OutsiderProvider();

    @Override
    public ServerSocketsProvider provider() {
        return PROVIDER;
    }
}
