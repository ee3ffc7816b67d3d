package org.tryaccept.conformance;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.tryaccept.spi.Errno;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * What every kit class needs from the implementer: the provider, and the few facts about it that the
 * contract leaves to the platform. Every signature uses JDK types and the exported
 * {@code org.tryaccept} and {@code org.tryaccept.spi} packages only.
 *
 * @since 0.1
 */
public interface ProviderUnderTest {

    /** @return the provider under test; a fresh instance or a shared one, as the implementer likes */
    ServerSocketsProvider provider();

    /**
     * @return true when {@code getOption(TCP_DEFER_ACCEPT)} reports seconds, so it must be {@code >= n}
     *         after {@code setOption(n)} (Linux); false when it only reports on/off as 1/0 (FreeBSD's
     *         accept filter)
     */
    default boolean deferralReportsSeconds() {
        return true;
    }

    /** @return true when the provider supports {@code TCP_DEFER_ACCEPT} (read from the provider) */
    default boolean deferralSupported() {
        return provider().supportedOptions().contains(org.tryaccept.ServerSocketOptions.TCP_DEFER_ACCEPT);
    }

    /**
     * @return the accept errors that mean "that connection is gone, take the next": the contract's
     *         {@link Errno#CONNECTION_GONE}, plus {@link Errno#PENDING_NETWORK_ERRORS} where the kernel
     *         is Linux (override for a provider that targets another kernel than the host's)
     */
    default Set<Errno> goneErrnos() {
        Set<Errno> gone = EnumSet.copyOf(Errno.CONNECTION_GONE);
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            gone.addAll(Errno.PENDING_NETWORK_ERRORS);
        }
        return gone;
    }
}
