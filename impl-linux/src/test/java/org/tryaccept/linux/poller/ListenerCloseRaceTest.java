package org.tryaccept.linux.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tryaccept.Poller;

/**
 * The decoy-listener test for listener registrations (DESIGN section 8, {@code add(ServerSocketChannel
 * ...)}): in each round one thread closes a listener while another runs add/modify/remove on it and a
 * third opens decoy listeners with pending connections at once, so the closed listener's fd number is
 * likely recycled by a decoy mid-call. The decoys are never registered, so any event under the closed
 * listener's token means the poller followed a recycled number. And an operation that starts after
 * {@code close()} returned must throw ClosedChannelException (none is missed).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ListenerCloseRaceTest {
    private static final int ROUNDS = 300;
    private static final int DECOYS = 4;

    enum Op { ADD, MODIFY, REMOVE }

    private static ExecutorService pool;

    @BeforeAll
    static void startPool() {
        pool = Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, "listener-race");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void noEventUnderAClosedListenersTokenAndNoMissedClosedChannelException(Op op) throws Exception {
        List<String> violations = new ArrayList<>();
        int closedChannel = 0;
        int recycled = 0;
        long fdsBefore = -1;
        try (Poller poller = Poller.open()) {
            for (int round = 0; round < ROUNDS; round++) {
                if (round == 5) {
                    fdsBefore = Conn.openFds();
                }
                long token = 1_000L + round;
                int[] numberOut = new int[1];
                ServerSocketChannel listener = listenerNoting(numberOut);
                int number = numberOut[0];
                if (op != Op.ADD) {
                    poller.add(listener, Poller.READABLE, token);
                }
                CyclicBarrier start = new CyclicBarrier(3);
                List<ServerSocketChannel> decoys = new ArrayList<>();
                List<SocketChannel> clients = new ArrayList<>();
                boolean[] closeReturned = {false};
                Object lock = new Object();
                Future<?> closer = pool.submit(() -> {
                    start.await();
                    spin();
                    listener.close();
                    synchronized (lock) {
                        closeReturned[0] = true;
                    }
                    return null;
                });
                Future<?> decoyMaker = pool.submit(() -> {
                    start.await();
                    spin();
                    for (int i = 0; i < DECOYS; i++) {
                        ServerSocketChannel d = Conn.listener();
                        synchronized (decoys) {
                            decoys.add(d);
                        }
                        clients.add(SocketChannel.open(d.getLocalAddress())); // pending: the decoy is readable
                    }
                    return null;
                });
                Future<String> operation = pool.submit(() -> {
                    start.await();
                    spin();
                    boolean afterClose;
                    synchronized (lock) {
                        afterClose = closeReturned[0];
                    }
                    try {
                        switch (op) {
                            case ADD -> poller.add(listener, Poller.READABLE, token);
                            case MODIFY -> poller.modify(listener, Poller.READABLE | Poller.EDGE_TRIGGERED, token);
                            case REMOVE -> poller.remove(listener);
                        }
                        return afterClose ? "returned normally though close() had returned before it started" : "ok";
                    } catch (ClosedChannelException e) {
                        return "closed";
                    }
                });
                closer.get(10, TimeUnit.SECONDS);
                decoyMaker.get(10, TimeUnit.SECONDS);
                String outcome = operation.get(10, TimeUnit.SECONDS);
                if (outcome.equals("closed")) {
                    closedChannel++;
                } else if (!outcome.equals("ok")) {
                    violations.add("round " + round + ": " + outcome);
                }
                if (number >= 0 && java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/fd/" + number))) {
                    recycled++; // the closed listener's number is in use again: by a decoy or its client
                }
                for (int p = 0; p < 2; p++) {
                    int n = poller.poll(p == 0 ? 0 : 5);
                    for (int i = 0; i < n; i++) {
                        violations.add("round " + round + ": event " + poller.events(i) + " under token "
                                + poller.token(i) + " of a closed listener (decoys are not registered)");
                    }
                }
                for (SocketChannel c : clients) {
                    c.close();
                }
                for (ServerSocketChannel d : decoys) {
                    d.close();
                }
            }
            poller.poll(0); // sweeps the inner epolls of the closed listeners
            assertEquals(fdsBefore, Conn.openFds(), "fds left behind by the rounds (inner epolls)");
        }
        System.out.printf("listener close race [%s]: %d rounds, %d ClosedChannelException, %d rounds where a decoy "
                + "got the closed listener's number, %d violations%n", op, ROUNDS, closedChannel, recycled,
                violations.size());
        assertEquals(List.of(), violations);
        assertTrue(recycled > ROUNDS / 10, "decoys rarely got the closed number: the race was not exercised");
    }

    private static void spin() {
        int n = ThreadLocalRandom.current().nextInt(2_000);
        for (int i = 0; i < n; i++) {
            Thread.onSpinWait();
        }
    }

    /**
     * The number a new listener got: the lowest free one (open(2) and socket(2) hand out the lowest),
     * found as the one that appeared in /proc/self/fd. For the statistics only: never acted on.
     */
    private static ServerSocketChannel listenerNoting(int[] number) throws Exception {
        java.util.Set<String> before = fds();
        ServerSocketChannel l = Conn.listener();
        java.util.Set<String> after = fds();
        after.removeAll(before);
        number[0] = after.size() == 1 ? Integer.parseInt(after.iterator().next()) : -1;
        return l;
    }

    private static java.util.Set<String> fds() throws java.io.IOException {
        try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }
}
