package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.ServerSockets;

/**
 * Allocation, from the thread's allocated-bytes counter after warm-up (enough calls for the JIT to
 * compile the path). Byte counts only; timing claims belong to the JMH benchmarks.
 */
class AllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    @Test
    void nothingPendingAllocatesNothing() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            AcceptBuffer buf = new AcceptBuffer();
            long allocated = Long.MAX_VALUE;
            // rounds until one allocates nothing (at most 30 s): code compiled by C1 may allocate what
            // C2's escape analysis removes later, and on a busy machine C2 can take seconds to arrive
            long giveUp = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            for (int round = 0; allocated != 0 && (round < 10 || System.nanoTime() < giveUp); round++) {
                for (int i = 0; i < 30_000; i++) {
                    ServerSockets.tryAccept(l);
                    ServerSockets.tryAccept(l, buf);
                }
                long before = THREADS.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    ServerSockets.tryAccept(l);
                    ServerSockets.tryAccept(l, buf);
                }
                allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(0, allocated, "bytes allocated by 20,000 nothing-pending calls");
        }
    }

    @Test
    void acceptBufferAcceptPathAllocatesNothing() throws Exception {
        try (ServerSocketChannel l = TestSockets.listener(StandardProtocolFamily.INET, dir)) {
            l.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 65536);
            AcceptBuffer buf = new AcceptBuffer();
            long best = Long.MAX_VALUE;
            long giveUp = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            for (int round = 0; best != 0 && (round < 8 || System.nanoTime() < giveUp); round++) {
                List<SocketChannel> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < 100; i++) {
                        clients.add(SocketChannel.open(l.getLocalAddress()));
                    }
                    TestSockets.await(java.time.Duration.ofSeconds(5),
                            () -> TestProviders.libc().poll(fdOf(l), 1) > 0, "pending");
                    Thread.sleep(20);
                    int accepted = 0;
                    long before = THREADS.getCurrentThreadAllocatedBytes();
                    while (accepted < 100 && drainOne(l, buf)) {
                        accepted++;
                    }
                    long bytes = THREADS.getCurrentThreadAllocatedBytes() - before;
                    assertTrue(accepted > 0);
                    if (round >= 3) { // after warm-up rounds
                        best = Math.min(best, bytes);
                    }
                    if (accepted < 100) {
                        while (drainOne(l, buf)) {
                            accepted++;
                        }
                    }
                } finally {
                    for (SocketChannel c : clients) {
                        c.close();
                    }
                }
                warmAcceptPath(l, buf);
            }
            assertEquals(0, best, "bytes allocated accepting 100 connections into an AcceptBuffer");
        }
    }

    private static boolean drainOne(ServerSocketChannel l, AcceptBuffer buf) throws Exception {
        if (ServerSockets.tryAccept(l, buf)) {
            ServerSockets.provider().close(buf.fd());
            return true;
        }
        return false;
    }

    /** Runs the accept path often enough to be compiled. */
    private static void warmAcceptPath(ServerSocketChannel l, AcceptBuffer buf) throws Exception {
        for (int i = 0; i < 2_000; i++) {
            try (SocketChannel c = SocketChannel.open(l.getLocalAddress())) {
                while (!drainOne(l, buf)) {
                    Thread.onSpinWait();
                }
            }
        }
    }

    private static int fdOf(ServerSocketChannel l) {
        try {
            return TestProviders.fdOf(l);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
