package com.example.outsider;

import org.tryaccept.conformance.AbstractAcceptProperties;
import org.tryaccept.spi.ServerSocketsProvider;

/** The kit's loopback properties (EAGAIN, drain, differential, deferral) against the outsider's provider. */
class OutsiderAcceptPropertiesTest extends AbstractAcceptProperties {
    private static final ServerSocketsProvider PROVIDER = new OutsiderProvider();

    @Override
    public ServerSocketsProvider provider() {
        return PROVIDER;
    }
}
