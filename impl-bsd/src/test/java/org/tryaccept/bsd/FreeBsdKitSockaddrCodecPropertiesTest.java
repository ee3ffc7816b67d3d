package org.tryaccept.bsd;

import org.tryaccept.conformance.AbstractSockaddrCodecProperties;
import org.tryaccept.conformance.SockaddrLayout;
import org.tryaccept.spi.SockaddrCodec;

/** The kit's codec properties for the provider's own codec, against the kit's encoder of the BSD layout. */
class FreeBsdKitSockaddrCodecPropertiesTest extends AbstractSockaddrCodecProperties {
    @Override
    protected SockaddrCodec codec() {
        return new FreeBsdServerSocketsProvider().createPlatform().codec();
    }

    @Override
    protected SockaddrLayout layout() {
        // FreeBSD sys/sys/socket.h and sys/sys/un.h: length byte + u8 family, AF_INET6 as given, sun_path 104
        return new SockaddrLayout(true, 1, 2, 28, 104);
    }
}
