package com.example.outsider;

import org.tryaccept.conformance.AbstractTryAcceptContractTest;
import org.tryaccept.spi.ServerSocketsProvider;

/** The kit's example-based contract checks against the outsider's provider. */
class OutsiderContractTest extends AbstractTryAcceptContractTest {
    private static final ServerSocketsProvider PROVIDER = new OutsiderProvider();

    @Override
    public ServerSocketsProvider provider() {
        return PROVIDER;
    }
}
