package com.example.outsider;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.platform.engine.Filter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.MethodFilter;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * A kit that cannot fail proves nothing: each deliberately broken provider ({@link BrokenProviders}) must
 * make at least one kit test fail, with a message that names its bug. The suites run in this JVM through
 * the JUnit Platform Launcher; their failures are the expected result here.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrokenProvidersTest {

    @Test
    void throwingOnEagainIsReported() {
        // Without the concurrency test: once its callers have failed it still waits 30 s for connections.
        expectFailure(BrokenSuites.EagainContract.class, "EAGAIN", ".*concurrentCallers.*");
    }

    @Test
    void leakingAnFdIsReported() {
        expectFailure(BrokenSuites.LeakAcceptProperties.class, "leaked");
    }

    @Test
    void returningAConnectionTwiceIsReported() {
        expectFailure(BrokenSuites.TwiceContract.class, "twice");
    }

    @Test
    void ignoringDeferralIsReported() {
        expectFailure(BrokenSuites.DeferralAcceptProperties.class, "while deferral was on");
    }

    @AfterAll
    static void closeWhatTheBrokenProvidersKept() {
        BrokenProviders.LeaksFd.release();
        BrokenSuites.RETURNS_TWICE.release();
    }

    private static void expectFailure(Class<?> suite, String problem, String... skippedMethods) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(suite))
                .filters(skippedMethods.length == 0 ? new Filter<?>[0]
                        : new Filter<?>[] {MethodFilter.excludeMethodNamePatterns(skippedMethods)})
                // Keep jqwik's record of these expected failures out of the .jqwik-database the real suites replay.
                .configurationParameter("jqwik.database", "target/jqwik-broken-providers.database")
                .build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        long start = System.nanoTime();
        LauncherFactory.create().execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        List<String> messages = new ArrayList<>();
        for (TestExecutionSummary.Failure f : summary.getFailures()) {
            messages.add(f.getTestIdentifier().getDisplayName() + ": " + describe(f.getException()));
        }
        System.out.printf("[broken provider] %s: %d of %d kit tests failed in %d ms%n", suite.getSimpleName(),
                summary.getTotalFailureCount(), summary.getTestsFoundCount(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        messages.stream().filter(m -> m.contains(problem)).findFirst()
                .ifPresent(m -> System.out.println("[broken provider]   first failure naming the bug: " + firstLines(m)));
        assertTrue(summary.getTestsFoundCount() > 0, suite.getSimpleName() + ": the launcher found no kit tests");
        assertTrue(summary.getTotalFailureCount() > 0, suite.getSimpleName() + ": the kit passed a broken provider");
        assertTrue(messages.stream().anyMatch(m -> m.contains(problem)),
                suite.getSimpleName() + ": no failure names \"" + problem + "\"; failures: " + messages);
    }

    /** @return the exception and its causes, one line each */
    private static String describe(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c == t ? "" : " / caused by ").append(c);
        }
        return b.toString();
    }

    private static String firstLines(String m) {
        return m.length() > 400 ? m.substring(0, 400) + "..." : m;
    }
}
