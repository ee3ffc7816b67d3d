package org.tryaccept.conformance;

import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.Platform;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * Where the kit gets provider-specific facts (errno numbers, fcntl commands, accept flavour): from the
 * provider's own {@link Platform}, never from numbers written into the kit, so the same checks run
 * against Linux, FreeBSD or macOS constants.
 */
public final class KitPlatforms {
    private KitPlatforms() {
    }

    /**
     * @return the platform of an {@link FfmProvider}
     * @throws IllegalArgumentException for other providers: override {@code platform()} in the kit class
     */
    public static Platform of(ServerSocketsProvider provider) {
        if (provider instanceof FfmProvider ffm) {
            return ffm.engine().platform();
        }
        throw new IllegalArgumentException(provider.name() + " is not an FfmProvider; override platform() "
                + "in the kit class to tell the kit this OS's constants");
    }

    /**
     * The same platform without {@code accept4}: the engine then accepts with plain {@code accept} and
     * sets the flags with {@code fcntl}, as on macOS. Lets the accept-plus-fcntl path (and a failing
     * fcntl after accept) run through the injection seam on a host that has accept4.
     */
    public static Platform withoutAccept4(Platform p) {
        return new Platform(p.os() + " (accept+fcntl flavour)", p.errno(), p.codec(), -1, p.goneErrnos(),
                p.fDupfdCloexec(), p.fGetfl(), p.fSetfl(), p.fGetfd(), p.fSetfd(), p.fdCloexec(), p.oNonblock(),
                p.solSocket(), p.soAcceptconn(), p.soType(), p.sockStream(), p.ipprotoTcp(), p.tcpKeepidle(),
                p.pollin());
    }
}
