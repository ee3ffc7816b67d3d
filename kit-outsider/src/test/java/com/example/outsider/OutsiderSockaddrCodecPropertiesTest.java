package com.example.outsider;

import org.tryaccept.conformance.AbstractSockaddrCodecProperties;
import org.tryaccept.conformance.SockaddrLayout;
import org.tryaccept.spi.SockaddrCodec;

/** The kit's codec properties on byte fixtures of the Linux layout. */
class OutsiderSockaddrCodecPropertiesTest extends AbstractSockaddrCodecProperties {
    @Override
    protected SockaddrCodec codec() {
        return new OutsiderProvider().sockaddrCodec();
    }

    @Override
    protected SockaddrLayout layout() {
        // <bits/socket.h> and <sys/un.h>: AF_UNIX 1, AF_INET 2, AF_INET6 10, sun_path 108 bytes.
        return new SockaddrLayout(false, 1, 2, 10, 108);
    }
}
