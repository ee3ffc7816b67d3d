package org.tryaccept.linux.poller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tryaccept.ErrnoException;
import org.tryaccept.Poller;
import org.tryaccept.SocketIo;

/** DESIGN section 8, the SocketIo rows. */
class SocketIoTest {
    private ServerSocketChannel listener;
    private Poller poller;

    @BeforeEach
    void open() throws Exception {
        listener = Conn.listener();
        poller = Poller.open();
    }

    @AfterEach
    void close() throws Exception {
        poller.close();
        listener.close();
    }

    private void awaitReadable(Conn c) throws Exception {
        poller.add(c.fd, Poller.READABLE, 1);
        assertEquals(1, poller.poll(5_000));
        poller.remove(c.fd);
    }

    @Test
    void readReturnsBytesThenZeroThenMinusOneAtEnd() throws Exception {
        try (Conn c = Conn.open(listener); Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(64);
            assertEquals(0, SocketIo.read(c.fd, dst), "nothing available: 0, no exception");
            c.send("hello");
            awaitReadable(c);
            assertEquals(5, SocketIo.read(c.fd, dst));
            assertEquals("hello", new String(dst.asSlice(0, 5).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            assertEquals(0, SocketIo.read(c.fd, dst));
            c.client.shutdownOutput();
            awaitReadable(c);
            assertEquals(-1, SocketIo.read(c.fd, dst), "end of stream");
            assertEquals(-1, SocketIo.read(c.fd, dst), "and again");
        }
    }

    @Test
    void byteBuffersAdvanceTheirPosition() throws Exception {
        try (Conn c = Conn.open(listener)) {
            c.send("abcdef");
            awaitReadable(c);
            ByteBuffer direct = ByteBuffer.allocateDirect(16).position(2).limit(5);
            assertEquals(3, SocketIo.read(c.fd, direct), "only up to the limit");
            assertEquals(5, direct.position());
            ByteBuffer heap = ByteBuffer.allocate(16).position(1);
            assertEquals(3, SocketIo.read(c.fd, heap), "heap buffers are copied through native memory");
            assertEquals(4, heap.position());
            assertArrayEquals("def".getBytes(), java.util.Arrays.copyOfRange(heap.array(), 1, 4));
            byte[] heapSegment = new byte[8];
            c.send("xy");
            awaitReadable(c);
            assertEquals(2, SocketIo.read(c.fd, MemorySegment.ofArray(heapSegment)));
            assertEquals('x', heapSegment[0]);

            ByteBuffer out = ByteBuffer.wrap("0123456789".getBytes()).position(3);
            assertEquals(7, SocketIo.write(c.fd, out));
            assertEquals(10, out.position());
            ByteBuffer ro = ByteBuffer.wrap("RO".getBytes()).asReadOnlyBuffer();
            assertEquals(2, SocketIo.write(c.fd, ro), "read-only heap buffers can be written");
            ByteBuffer directOut = ByteBuffer.allocateDirect(4).put("dd".getBytes()).flip();
            assertEquals(2, SocketIo.write(c.fd, directOut));
            ByteBuffer got = ByteBuffer.allocate(32);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (got.position() < 11 && System.nanoTime() < deadline) {
                c.client.read(got);
            }
            assertEquals("3456789ROdd", new String(got.array(), 0, got.position()));
        }
    }

    @Test
    void emptyBuffersReturnZeroWithoutASystemCall() throws Exception {
        int notAnFd = 1_000_000; // a system call on it would fail with EBADF
        assertEquals(0, SocketIo.read(notAnFd, MemorySegment.NULL));
        assertEquals(0, SocketIo.read(notAnFd, ByteBuffer.allocateDirect(4).position(4)));
        assertEquals(0, SocketIo.write(notAnFd, MemorySegment.NULL));
        assertEquals(0, SocketIo.write(notAnFd, ByteBuffer.allocate(0)));
        assertEquals("EBADF", assertThrows(ErrnoException.class,
                () -> SocketIo.read(notAnFd, ByteBuffer.allocate(1))).errnoName(), "the control");
    }

    @Test
    void badArguments() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> SocketIo.read(-1, ByteBuffer.allocate(1)));
        assertThrows(IllegalArgumentException.class, () -> SocketIo.read(-1, MemorySegment.NULL));
        assertThrows(IllegalArgumentException.class, () -> SocketIo.write(-1, ByteBuffer.allocate(1)));
        assertThrows(IllegalArgumentException.class, () -> SocketIo.write(-1, MemorySegment.NULL));
        assertThrows(IllegalArgumentException.class, () -> SocketIo.shutdownOutput(-1));
        assertThrows(IllegalArgumentException.class, () -> SocketIo.close(-1));
        assertThrows(NullPointerException.class, () -> SocketIo.read(0, (ByteBuffer) null));
        assertThrows(ReadOnlyBufferException.class,
                () -> SocketIo.read(0, ByteBuffer.allocate(4).asReadOnlyBuffer()));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ro = arena.allocate(4).asReadOnly();
            assertThrows(IllegalArgumentException.class, () -> SocketIo.read(0, ro));
        }
    }

    /**
     * A write to a peer that reset the connection is an ErrnoException, never SIGPIPE: send(2) with
     * MSG_NOSIGNAL. (HotSpot ignores SIGPIPE, but a JVM embedded in a native program may not: send(2), MSG_NOSIGNAL.)
     */
    @Test
    void writeToAResetPeerThrowsEpipeOrEconnreset() throws Exception {
        try (Conn c = Conn.open(listener)) {
            c.resetOnClose();
            c.client.close();
            poller.add(c.fd, Poller.READABLE, 1);
            assertEquals(1, poller.poll(5_000));
            assertTrue((poller.events(0) & Poller.ERROR) != 0, "the reset arrived");
            ByteBuffer data = ByteBuffer.allocateDirect(1024);
            ErrnoException e = null;
            for (int i = 0; i < 3 && e == null; i++) {
                try {
                    data.clear();
                    SocketIo.write(c.fd, data);
                } catch (ErrnoException thrown) {
                    e = thrown;
                }
            }
            assertTrue(e != null, "no error writing to a reset connection");
            assertTrue(Set.of("EPIPE", "ECONNRESET").contains(e.errnoName()), e.getMessage());
            assertEquals("send", e.call());
        }
    }

    @Test
    void readAfterResetIsEconnreset() throws Exception {
        try (Conn c = Conn.open(listener)) {
            c.resetOnClose();
            c.client.close();
            awaitReadable(c);
            ErrnoException e = assertThrows(ErrnoException.class, () -> SocketIo.read(c.fd, ByteBuffer.allocate(8)));
            assertEquals("ECONNRESET", e.errnoName());
        }
    }

    @Test
    void shutdownOutputSendsEndOfStream() throws Exception {
        try (Conn c = Conn.open(listener)) {
            SocketIo.write(c.fd, ByteBuffer.wrap("bye".getBytes()));
            SocketIo.shutdownOutput(c.fd);
            ByteBuffer got = ByteBuffer.allocate(8);
            c.client.configureBlocking(true);
            int total = 0;
            int r;
            while ((r = c.client.read(got)) > 0) {
                total += r;
            }
            assertEquals(3, total);
            assertEquals(-1, r, "the client sees end of stream");
            assertEquals("EPIPE", assertThrows(ErrnoException.class,
                    () -> SocketIo.write(c.fd, ByteBuffer.wrap(new byte[1]))).errnoName(), "no writing after it");
        }
    }
}
