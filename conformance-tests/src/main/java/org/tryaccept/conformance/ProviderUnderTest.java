package org.tryaccept.conformance;

import org.tryaccept.internal.Platform;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * What every kit class needs from the implementer: the provider, and facts about its OS that the
 * contract leaves to the platform. Defaults suit an {@link org.tryaccept.internal.FfmProvider}.
 */
public interface ProviderUnderTest {

    /** @return the provider under test; a fresh instance or a shared one, as the implementer likes */
    ServerSocketsProvider provider();

    /** @return the provider's OS constants (errno numbers, fcntl commands, accept flavour) */
    default Platform platform() {
        return KitPlatforms.of(provider());
    }

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
}
