package org.tryaccept.linux.netns;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the namespace tests that drive a {@link ServerAgent} in the server namespace and a
 * {@link ClientAgent} in the client one: makes the two hosts once per test class (skipping, with the
 * reason, where namespaces cannot be made) and always tears them down. JUnit runs the classes one after
 * the other, so the shared static fields belong to the class that is running.
 */
abstract class AgentPairTest {
    /** How long one agent call may take. */
    static final Duration T = Duration.ofSeconds(20);
    static TwoHosts hosts;
    static NsProcess server;
    static NsProcess client;

    @BeforeAll
    static void startHosts() throws Exception {
        Assumptions.assumeTrue(TwoHosts.unavailableReason().isEmpty(),
                () -> "skipped, no network namespaces: " + TwoHosts.unavailableReason().orElse(""));
        hosts = TwoHosts.create();
        server = hosts.startInServer(ServerAgent.class);
        client = hosts.startInClient(ClientAgent.class);
    }

    @AfterAll
    static void stopHosts() {
        if (hosts != null) {
            hosts.close();
            hosts = null;
        }
    }
}
