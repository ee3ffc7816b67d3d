package org.tryaccept.linux.kit;

import org.tryaccept.conformance.AbstractSockaddrCodecProperties;
import org.tryaccept.conformance.SockaddrLayout;
import org.tryaccept.linux.LinuxServerSocketsProvider;
import org.tryaccept.spi.SockaddrCodec;

/** The kit's codec properties for the Linux layout. */
class LinuxSockaddrCodecPropertiesTest extends AbstractSockaddrCodecProperties {
    @Override
    protected SockaddrCodec codec() {
        return new LinuxServerSocketsProvider().engine().platform().codec();
    }

    @Override
    protected SockaddrLayout layout() {
        // platform-constants.md section 2 and 7: AF_UNIX 1, AF_INET 2, AF_INET6 10, sun_path 108 bytes.
        return new SockaddrLayout(false, 1, 2, 10, 108);
    }
}
