package org.tryaccept.linux.poller;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tryaccept.ErrnoException;
import org.tryaccept.Poller;
import org.tryaccept.SocketIo;

/** DESIGN section 8, the registration and readiness rows, on real loopback sockets. */
class PollerContractTest {
    private static final long WAIT = 5_000;   // when an event is expected: poll returns as soon as it is there
    private static final long QUIET = 100;    // when none is expected

    private ServerSocketChannel listener;
    private Poller poller;

    @BeforeEach
    void open() throws Exception {
        listener = Conn.listener();
        poller = Poller.open(16);
    }

    @AfterEach
    void close() throws Exception {
        poller.close();
        listener.close();
    }

    @Test
    void levelTriggeredReportsUntilDrained() throws Exception {
        try (Conn c = Conn.open(listener)) {
            poller.add(c.fd, Poller.READABLE, 7);
            assertEquals(0, poller.poll(0), "nothing to read yet");
            c.send("hello");
            assertEquals(1, poller.poll(WAIT));
            assertEquals(7, poller.token(0));
            assertEquals(Poller.READABLE, poller.events(0));
            assertEquals(1, poller.poll(0), "level-triggered: reported again while unread");
            assertEquals(5, SocketIo.read(c.fd, ByteBuffer.allocateDirect(64)));
            assertEquals(0, poller.poll(QUIET), "drained");
        }
    }

    @Test
    void edgeTriggeredReportsEachArrivalOnce() throws Exception {
        try (Conn c = Conn.open(listener)) {
            poller.add(c.fd, Poller.READABLE | Poller.EDGE_TRIGGERED, 8);
            c.send("a");
            assertEquals(1, poller.poll(WAIT));
            assertEquals(8, poller.token(0));
            assertEquals(0, poller.poll(QUIET), "edge-triggered: not again without new data, though unread");
            c.send("b");
            assertEquals(1, poller.poll(WAIT), "new data is a new edge");
            assertEquals(8, poller.token(0));
        }
    }

    @Test
    void oneShotDisablesUntilModify() throws Exception {
        try (Conn c = Conn.open(listener)) {
            poller.add(c.fd, Poller.READABLE | Poller.ONE_SHOT, 9);
            c.send("a");
            assertEquals(1, poller.poll(WAIT));
            c.send("b");
            assertEquals(0, poller.poll(QUIET), "one-shot: disabled after the first report");
            poller.modify(c.fd, Poller.READABLE | Poller.ONE_SHOT, 10);
            assertEquals(1, poller.poll(WAIT), "modify re-arms");
            assertEquals(10, poller.token(0), "under the new token");
            assertEquals(0, poller.poll(QUIET));
        }
    }

    @Test
    void writableAndModifyBetweenInterests() throws Exception {
        try (Conn c = Conn.open(listener)) {
            poller.add(c.fd, Poller.WRITABLE, 11);
            assertEquals(1, poller.poll(WAIT));
            assertEquals(Poller.WRITABLE, poller.events(0), "an idle connection can be written");
            poller.modify(c.fd, Poller.READABLE, 12);
            assertEquals(0, poller.poll(QUIET), "no longer interested in WRITABLE, nothing to read");
            poller.remove(c.fd);
            c.send("x");
            assertEquals(0, poller.poll(QUIET), "removed: not reported");
        }
    }

    @Test
    void peerCloseIsHangupAndReadable() throws Exception {
        try (Conn c = Conn.open(listener)) {
            poller.add(c.fd, Poller.READABLE, 13);
            c.client.shutdownOutput();
            assertEquals(1, poller.poll(WAIT));
            assertEquals(Poller.READABLE | Poller.HANGUP, poller.events(0));
            assertEquals(-1, SocketIo.read(c.fd, ByteBuffer.allocate(8)));
        }
    }

    @Test
    void peerResetIsHangupAndError() throws Exception {
        try (Conn c = Conn.open(listener)) {
            poller.add(c.fd, 0, 14); // no interest at all: HANGUP and ERROR are still reported
            c.resetOnClose();
            c.client.close();
            assertEquals(1, poller.poll(WAIT));
            int ev = poller.events(0);
            assertEquals(Poller.HANGUP | Poller.ERROR, ev & (Poller.HANGUP | Poller.ERROR), "events " + ev);
        }
    }

    @Test
    void exclusiveSeesPeerCloseAsReadableOnly() throws Exception {
        try (Conn c = Conn.open(listener); Poller second = Poller.open()) {
            poller.add(c.fd, Poller.READABLE | Poller.EXCLUSIVE, 15);
            second.add(c.fd, Poller.READABLE | Poller.EXCLUSIVE, 16);
            c.client.shutdownOutput();
            assertEquals(1, poller.poll(WAIT));
            assertEquals(Poller.READABLE, poller.events(0), "no HANGUP under EXCLUSIVE (no EPOLLRDHUP)");
            assertEquals(-1, SocketIo.read(c.fd, ByteBuffer.allocate(8)), "the close shows as end of stream");
            // Linux refuses to change an exclusive registration (epoll_ctl(2): EINVAL)
            ErrnoException e = assertThrows(ErrnoException.class,
                    () -> poller.modify(c.fd, Poller.READABLE | Poller.EXCLUSIVE, 15));
            assertEquals("EINVAL", e.errnoName());
        }
    }

    /** Why EXCLUSIVE drops EPOLLRDHUP: the kernel refuses the pair (checked here, not assumed). */
    @Test
    void kernelRefusesRdhupWithExclusive() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle create = linker.downcallHandle(linker.defaultLookup().find("epoll_create1").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        MethodHandle ctl = linker.downcallHandle(linker.defaultLookup().find("epoll_ctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        try (Conn c = Conn.open(listener); Arena arena = Arena.ofConfined()) {
            int ep = (int) create.invokeExact(0x80000);
            assertTrue(ep >= 0);
            try {
                MemorySegment ev = arena.allocate(16, 8);
                ev.set(JAVA_INT_UNALIGNED, 0, 0x1 | 0x2000 | (1 << 28)); // EPOLLIN|EPOLLRDHUP|EPOLLEXCLUSIVE
                assertEquals(-1, (int) ctl.invokeExact(ep, 1, c.fd, ev), "EPOLL_CTL_ADD must fail");
                ev.set(JAVA_INT_UNALIGNED, 0, 0x1 | (1 << 28));             // EPOLLIN|EPOLLEXCLUSIVE
                assertEquals(0, (int) ctl.invokeExact(ep, 1, c.fd, ev), "without EPOLLRDHUP it is accepted");
            } finally {
                SocketIo.close(ep);
            }
        }
    }

    @Test
    void errorsNameTheErrno() throws Exception {
        try (Conn c = Conn.open(listener)) {
            poller.add(c.fd, Poller.READABLE, 1);
            ErrnoException twice = assertThrows(ErrnoException.class, () -> poller.add(c.fd, Poller.READABLE, 2));
            assertEquals("EEXIST", twice.errnoName());
            assertTrue(twice.getMessage().startsWith("epoll_ctl(EPOLL_CTL_ADD): EEXIST"), twice.getMessage());
            poller.remove(c.fd);
            assertEquals("ENOENT", assertThrows(ErrnoException.class,
                    () -> poller.modify(c.fd, Poller.READABLE, 3)).errnoName());
            assertEquals("ENOENT", assertThrows(ErrnoException.class, () -> poller.remove(c.fd)).errnoName());
            c.closeFd();
            assertEquals("EBADF", assertThrows(ErrnoException.class,
                    () -> poller.add(c.fd, Poller.READABLE, 4)).errnoName());
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnySystemCall() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> poller.add(-1, Poller.READABLE, 1));
        assertThrows(IllegalArgumentException.class, () -> poller.modify(-1, Poller.READABLE, 1));
        assertThrows(IllegalArgumentException.class, () -> poller.remove(-1));
        assertThrows(IllegalArgumentException.class, () -> poller.add(0, 1 << 20, 1), "unknown interest bit");
        assertThrows(IllegalArgumentException.class, () -> poller.add(0, Poller.READABLE, Long.MIN_VALUE),
                "the wake-up's token");
        assertThrows(IllegalArgumentException.class, () -> poller.poll(-2));
        assertThrows(IllegalArgumentException.class, () -> Poller.open(0));
        assertEquals(0, poller.poll(0));
        assertThrows(IndexOutOfBoundsException.class, () -> poller.token(0), "no events");
        assertThrows(IndexOutOfBoundsException.class, () -> poller.events(-1));
    }

    @Test
    void closedFdLeavesNoStaleToken() throws Exception {
        int number;
        try (Conn c = Conn.open(listener)) {
            poller.add(c.fd, Poller.READABLE, 21);
            c.send("pending");
            assertEquals(1, poller.poll(WAIT));
            number = c.fd;
            c.closeFd(); // while registered and ready
            assertEquals(0, poller.poll(QUIET), "a closed fd is out of the set");
        }
        // The number is free again; a new connection may well get it, registered under another token.
        try (Conn d = Conn.open(listener)) {
            poller.add(d.fd, Poller.READABLE, 22);
            d.send("x");
            assertEquals(1, poller.poll(WAIT));
            assertEquals(22, poller.token(0), "fd " + d.fd + " (old number " + number + ")");
            assertEquals(1, poller.poll(0));
            assertEquals(22, poller.token(0));
        }
    }

    @Test
    void moreReadyThanMaxEventsAreReportedOverSeveralPolls() throws Exception {
        Conn[] cs = new Conn[20];
        try {
            for (int i = 0; i < cs.length; i++) {
                cs[i] = Conn.open(listener);
                poller.add(cs[i].fd, Poller.WRITABLE | Poller.ONE_SHOT, 100 + i);
            }
            java.util.Set<Long> seen = new java.util.HashSet<>();
            int n = poller.poll(WAIT);
            assertEquals(16, n, "capped at maxEventsPerPoll");
            for (int i = 0; i < n; i++) {
                seen.add(poller.token(i));
            }
            n = poller.poll(WAIT);
            for (int i = 0; i < n; i++) {
                seen.add(poller.token(i));
            }
            assertEquals(20, seen.size(), "the rest come with the next poll");
        } finally {
            for (Conn c : cs) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }
}
