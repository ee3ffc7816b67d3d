package org.tryaccept.linux.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tryaccept.Poller;
import org.tryaccept.SocketIo;

/**
 * 0 bytes allocated per poll, token, events, read and write on the steady path (native segments and
 * direct buffers), from the thread's allocation counter after warm-up. Each operation is measured on
 * its own (a loop the JIT compiles as one unit, as a server's hot loop would be). Like the accept
 * path's AllocationTest, rounds repeat until one allocates nothing (at most 30 s): code compiled by C1
 * may allocate the errno capture segment that C2's escape analysis removes later.
 */
class PollerAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    interface Op {
        long run() throws Exception;
    }

    @Test
    void pollTokenEventsReadWriteAllocateNothing() throws Exception {
        try (ServerSocketChannel l = Conn.listener(); Poller poller = Poller.open(); Conn c = Conn.open(l);
                Arena arena = Arena.ofConfined()) {
            poller.add(c.fd, Poller.WRITABLE, 77);
            MemorySegment seg = arena.allocate(64);
            MemorySegment one = arena.allocate(1);
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            c.client.configureBlocking(false);
            ByteBuffer clientBuf = ByteBuffer.allocateDirect(1 << 16);
            int[] writes = {0};
            Map<String, Op> ops = new LinkedHashMap<>();
            ops.put("poll+token+events", () -> {
                int n = poller.poll(0);
                long sum = n;
                for (int i = 0; i < n; i++) {
                    sum += poller.token(i) + poller.events(i);
                }
                return sum;
            });
            ops.put("read(MemorySegment), nothing available", () -> SocketIo.read(c.fd, seg));
            ops.put("read(direct ByteBuffer), nothing available", () -> SocketIo.read(c.fd, direct.clear()));
            ops.put("write(MemorySegment)", () -> SocketIo.write(c.fd, one) + drainClient(c, clientBuf, writes));
            ops.put("write(direct ByteBuffer)", () -> SocketIo.write(c.fd, direct.clear().limit(1))
                    + drainClient(c, clientBuf, writes));
            Map<String, Long> bytes = new LinkedHashMap<>();
            for (Map.Entry<String, Op> e : ops.entrySet()) {
                bytes.put(e.getKey(), allocatedAfterWarmUp(e.getValue()));
            }
            System.out.println("poller allocation per 10,000 calls: " + bytes);
            for (Map.Entry<String, Long> e : bytes.entrySet()) {
                assertEquals(0L, e.getValue(), "bytes allocated by 10,000 calls of " + e.getKey());
            }
        }
    }

    /** Reads what the server side wrote now and then, so its send buffer never fills (then write would return 0). */
    private static long drainClient(Conn c, ByteBuffer buf, int[] writes) throws Exception {
        if ((writes[0]++ & 1023) == 0) {
            do {
                buf.clear();
            } while (c.client.read(buf) > 0);
        }
        return 0;
    }

    private static long allocatedAfterWarmUp(Op op) throws Exception {
        long allocated = Long.MAX_VALUE;
        long sink = 0;
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (int round = 0; allocated != 0 && (round < 10 || System.nanoTime() < giveUp); round++) {
            for (int i = 0; i < 20_000; i++) {
                sink += op.run();
            }
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                sink += op.run();
            }
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        if (sink == Long.MIN_VALUE) {
            System.out.println(sink); // keeps the results alive
        }
        return allocated;
    }
}
