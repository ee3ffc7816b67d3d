package org.tryaccept.linux.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;
import org.tryaccept.conformance.FdChecks;

/**
 * Issue 6.5, a stress run (tag "stress": excluded from mvn verify, run with
 * {@code ./mvnw -pl impl-linux -am test -Pstress -Dtest=SoakStressTest -Dsurefire.failIfNoSpecifiedTests=false}):
 * 200,000 connect/tryAccept/close cycles and 2 x 10^6 nothing-pending calls. The fd count must be
 * identical at every checkpoint, the heap after GC must not grow, the nothing-pending calls must
 * allocate nothing, and no exception may occur. Prints its figures.
 */
@Tag("stress")
class SoakStressTest {
    private static final int CYCLES = 200_000;
    private static final int CHECKPOINT_EVERY = 20_000;
    private static final int EMPTY_CALLS = 1_000_000;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void soak() throws Exception {
        String mode = Net.fdAccessMode();
        AllocationCounter threads = new AllocationCounter();
        List<Long> fds = new ArrayList<>();
        List<Long> heap = new ArrayList<>();
        AcceptBuffer buf = new AcceptBuffer();
        try (ServerSocketChannel listener = Net.listener(128)) {
            SocketAddress address = listener.getLocalAddress();
            for (int i = 0; i < 2_000; i++) { // warm-up: JIT, lazily opened JDK files, the fd lookup
                cycle(listener, address, buf, i);
            }
            long start = System.nanoTime();
            for (int i = 0; i < CYCLES; i++) {
                if (i % CHECKPOINT_EVERY == 0) {
                    fds.add(FdChecks.openFdCount());
                    heap.add(heapAfterGc());
                }
                cycle(listener, address, buf, i);
            }
            long cycleNanos = System.nanoTime() - start;
            fds.add(FdChecks.openFdCount());
            heap.add(heapAfterGc());

            // Nothing pending: both API forms, after a warm-up so the JIT has compiled the path.
            for (int i = 0; i < 100_000; i++) {
                ServerSockets.tryAccept(listener, buf);
                ServerSockets.tryAccept(listener);
            }
            long tid = Thread.currentThread().threadId();
            // The reflective read itself allocates (boxing, varargs); measure that and subtract it.
            long probe = threads.getThreadAllocatedBytes(tid);
            long overhead = threads.getThreadAllocatedBytes(tid) - probe;
            long bytes0 = threads.getThreadAllocatedBytes(tid);
            long t0 = System.nanoTime();
            boolean any = false;
            for (int i = 0; i < EMPTY_CALLS; i++) {
                any |= ServerSockets.tryAccept(listener, buf);
            }
            long t1 = System.nanoTime();
            long bytes1 = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < EMPTY_CALLS; i++) {
                any |= ServerSockets.tryAccept(listener).isPresent();
            }
            long t2 = System.nanoTime();
            long bytes2 = threads.getThreadAllocatedBytes(tid);
            assertFalse(any, "a nothing-pending call returned a connection");

            System.out.printf("soak [%s]: %d cycles in %.1f s (%.1f us/cycle); fds at checkpoints %s; "
                            + "heap after GC (KiB) %s%n",
                    mode, CYCLES, cycleNanos / 1e9, cycleNanos / 1e3 / CYCLES, fds,
                    heap.stream().map(b -> b / 1024).toList());
            System.out.printf("soak [%s]: nothing pending, AcceptBuffer: %d calls, %.0f ns/call, %d bytes allocated; "
                            + "Optional: %d calls, %.0f ns/call, %d bytes allocated%n",
                    mode, EMPTY_CALLS, (t1 - t0) / (double) EMPTY_CALLS, bytes1 - bytes0 - overhead,
                    EMPTY_CALLS, (t2 - t1) / (double) EMPTY_CALLS, bytes2 - bytes1 - overhead);

            for (long f : fds) {
                assertEquals(fds.get(0), f, "fd count changed during the soak: " + fds);
            }
            long growth = heap.get(heap.size() - 1) - heap.get(0);
            assertTrue(growth < 8L * 1024 * 1024, "heap after GC grew by " + growth + " bytes: " + heap);
            // The contract is zero; allow a few KiB for a stray JIT deoptimisation or safepoint bookkeeping.
            assertTrue(bytes1 - bytes0 < 16 * 1024, "AcceptBuffer form allocated " + (bytes1 - bytes0) + " bytes");
            assertTrue(bytes2 - bytes1 < 16 * 1024, "Optional form allocated " + (bytes2 - bytes1) + " bytes");
        }
    }

    /** One connection: connect, take it (both API forms alternate), check it is ours, close both ends. */
    private static void cycle(ServerSocketChannel listener, SocketAddress address, AcceptBuffer buf, int i)
            throws Exception {
        try (SocketChannel client = Net.connect(address)) {
            int clientPort = Net.port(client.getLocalAddress());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (true) {
                int fd;
                int port;
                if ((i & 1) == 0) {
                    Optional<Accepted> a = ServerSockets.tryAccept(listener);
                    fd = a.map(Accepted::fd).orElse(-1);
                    port = a.map(c -> Net.port(c.remoteAddress())).orElse(-1);
                } else {
                    fd = ServerSockets.tryAccept(listener, buf) ? buf.fd() : -1;
                    port = buf.port();
                }
                if (fd >= 0) {
                    Net.closeFd(fd);
                    assertEquals(clientPort, port, "cycle " + i + " accepted someone else's connection");
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "cycle " + i + ": connection not accepted within 5 s");
                Thread.onSpinWait();
            }
        }
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    /**
     * The JDK's per-thread allocation counter, reached by reflection: test classes compile as part of
     * the org.tryaccept.linux module, which does not read java.management, while at run time they
     * sit on the class path and may use it.
     */
    private static final class AllocationCounter {
        private final Object bean;
        private final Method allocated;

        AllocationCounter() throws ReflectiveOperationException {
            bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
        }

        long getThreadAllocatedBytes(long threadId) throws ReflectiveOperationException {
            return (Long) allocated.invoke(bean, threadId);
        }
    }
}
