package org.tryaccept.bsd;

import org.tryaccept.conformance.AbstractSockaddrCodecProperties;
import org.tryaccept.conformance.SockaddrLayout;
import org.tryaccept.spi.SockaddrCodec;

/** The kit's codec properties for the provider's own codec, against the kit's encoder of the BSD layout. */
class MacOsKitSockaddrCodecPropertiesTest extends AbstractSockaddrCodecProperties {
    @Override
    protected SockaddrCodec codec() {
        return new MacOsServerSocketsProvider().createPlatform().codec();
    }

    @Override
    protected SockaddrLayout layout() {
        // XNU bsd/sys/socket.h and bsd/sys/un.h: length byte + u8 family, AF_INET6 as given, sun_path 104
        return new SockaddrLayout(true, 1, 2, 30, 104);
    }
}
