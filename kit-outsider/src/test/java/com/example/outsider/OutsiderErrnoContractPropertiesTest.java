package com.example.outsider;

import org.tryaccept.conformance.AbstractErrnoContractProperties;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * The kit's errno-sequence properties against the outsider's provider; the kit injects its errors
 * through {@link OutsiderProvider#withFaults}, the exported seam.
 */
class OutsiderErrnoContractPropertiesTest extends AbstractErrnoContractProperties {
    private static final ServerSocketsProvider PROVIDER = new OutsiderProvider();

    @Override
    public ServerSocketsProvider provider() {
        return PROVIDER;
    }
}
