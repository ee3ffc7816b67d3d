package org.tryaccept.linux.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.tryaccept.Poller;
import org.tryaccept.SocketIo;

/**
 * 0 bytes allocated per poll, token, events, read and write on the steady path (native segments and
 * direct buffers), from the thread's allocation counter after warm-up. Like the accept path's
 * AllocationTest, rounds repeat until one allocates nothing (at most 30 s), because code compiled by
 * C1 may allocate what C2's escape analysis removes later.
 */
class PollerAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void pollTokenEventsReadWriteAllocateNothing() throws Exception {
        try (ServerSocketChannel l = Conn.listener(); Poller poller = Poller.open(); Conn c = Conn.open(l);
                Arena arena = Arena.ofConfined()) {
            // The client echoes nothing; the server side writes one byte to itself through the pair:
            // server fd -> client (write), client -> server fd (read) keeps both directions busy.
            poller.add(c.fd, Poller.READABLE | Poller.WRITABLE, 77);
            MemorySegment seg = arena.allocate(64);
            MemorySegment one = arena.allocate(1);
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            c.client.configureBlocking(false);
            ByteBuffer clientBuf = ByteBuffer.allocateDirect(4096);
            long allocated = Long.MAX_VALUE;
            long sink = 0;
            long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (int round = 0; allocated != 0 && (round < 10 || System.nanoTime() < giveUp); round++) {
                sink += cycle(poller, c, seg, one, direct, clientBuf, 20_000);
                long before = THREADS.getCurrentThreadAllocatedBytes();
                sink += cycle(poller, c, seg, one, direct, clientBuf, 10_000);
                allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            }
            assertEquals(0, allocated, "bytes allocated by 10,000 rounds of poll/token/events/read/write");
            System.out.println("poller allocation: 0 B over 10,000 cycles (checksum " + sink + ")");
        }
    }

    /** One cycle: poll, read every result, write 1 byte (segment) and 1 (direct buffer), read them back. */
    private static long cycle(Poller poller, Conn c, MemorySegment seg, MemorySegment one, ByteBuffer direct, ByteBuffer clientBuf,
            int times) throws Exception {
        long sum = 0;
        for (int k = 0; k < times; k++) {
            int n = poller.poll(0);
            for (int i = 0; i < n; i++) {
                sum += poller.token(i) + poller.events(i);
            }
            sum += SocketIo.write(c.fd, one);
            direct.clear().limit(1);
            sum += SocketIo.write(c.fd, direct);
            sum += SocketIo.read(c.fd, seg);          // usually 0 (EAGAIN): nothing sent our way
            direct.clear();
            sum += SocketIo.read(c.fd, direct);
            if ((k & 1023) == 0) {
                clientBuf.clear();
                while (c.client.read(clientBuf) > 0) { // keep the client's receive queue from filling
                    clientBuf.clear();
                }
            }
        }
        return sum;
    }
}
