package com.example.outsider;

import org.tryaccept.conformance.AbstractAcceptProperties;
import org.tryaccept.conformance.AbstractTryAcceptContractTest;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * Kit suites bound to the broken providers. Nested, and named without a Test suffix, so that Surefire
 * never runs them; {@link BrokenProvidersTest} runs them through the JUnit Platform Launcher and
 * expects them to fail. Each broken provider gets the kit class that should catch its bug.
 */
final class BrokenSuites {
    private BrokenSuites() {
    }

    static final BrokenProviders.ThrowsOnEagain THROWS_ON_EAGAIN = new BrokenProviders.ThrowsOnEagain(new OutsiderProvider());
    static final BrokenProviders.LeaksFd LEAKS_FD = new BrokenProviders.LeaksFd(new OutsiderProvider());
    static final BrokenProviders.ReturnsTwice RETURNS_TWICE = new BrokenProviders.ReturnsTwice(new OutsiderProvider());
    static final BrokenProviders.IgnoresDeferral IGNORES_DEFERRAL = new BrokenProviders.IgnoresDeferral(new OutsiderProvider());

    static class EagainContract extends AbstractTryAcceptContractTest {
        @Override
        public ServerSocketsProvider provider() {
            return THROWS_ON_EAGAIN;
        }
    }

    static class LeakAcceptProperties extends AbstractAcceptProperties {
        @Override
        public ServerSocketsProvider provider() {
            return LEAKS_FD;
        }
    }

    static class TwiceContract extends AbstractTryAcceptContractTest {
        @Override
        public ServerSocketsProvider provider() {
            return RETURNS_TWICE;
        }
    }

    static class DeferralAcceptProperties extends AbstractAcceptProperties {
        @Override
        public ServerSocketsProvider provider() {
            return IGNORES_DEFERRAL;
        }
    }
}
