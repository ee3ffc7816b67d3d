package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;
import static org.tryaccept.bsd.TestSupport.*;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tryaccept.Accepted;
import org.tryaccept.ErrnoException;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.internal.FdAccess;

/**
 * TCP_DEFER_ACCEPT on FreeBSD as SO_ACCEPTFILTER "dataready", against {@link BsdKernelOnLinux}'s
 * model of {@code uipc_accf.c} on real listening sockets.
 */
class FreeBsdDeferAcceptTest {
    private BsdKernelOnLinux kernel;
    private FreeBsdServerSocketsProvider provider;
    private ServerSocketChannel listener;

    @BeforeEach
    void setUp() throws IOException {
        kernel = BsdKernelOnLinux.freebsd();
        provider = new FreeBsdServerSocketsProvider(kernel, hostFdAccess());
        listener = listener(InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void tearDown() throws IOException {
        listener.close();
    }

    private int get() throws IOException {
        return provider.getOption(listener, ServerSocketOptions.TCP_DEFER_ACCEPT);
    }

    private void set(int n) throws IOException {
        provider.setOption(listener, ServerSocketOptions.TCP_DEFER_ACCEPT, n);
    }

    @Test
    void installsReadsBackAndRemoves() throws IOException {
        assertEquals(java.util.Set.of(ServerSocketOptions.TCP_DEFER_ACCEPT), provider.supportedOptions());
        assertEquals(0, get(), "no filter on a new listener");
        set(5);
        assertEquals(1, get());
        assertEquals(1, kernel.installed.size());
        assertEquals("dataready", kernel.installed.values().iterator().next());
        set(30); // already installed: the kernel says EINVAL, the option call is idempotent
        assertEquals(1, get());
        set(0);
        assertEquals(0, get());
        assertTrue(kernel.installed.isEmpty());
        set(0); // removing nothing is fine, as in the kernel
        assertEquals(0, get());
        // Removal is setsockopt with a NULL value and length 0, installation a 256-byte struct.
        assertTrue(kernel.calls().contains("setsockopt(SO_ACCEPTFILTER,NULL,0)"), kernel.calls().toString());
        assertTrue(kernel.calls().contains("setsockopt(SO_ACCEPTFILTER,arg,256)"), kernel.calls().toString());
    }

    @Test
    void missingModuleTellsTheUserToKldload() {
        kernel.loadedFilters.remove("dataready");
        ErrnoException e = assertThrows(ErrnoException.class, () -> set(1));
        assertEquals("ENOENT", e.errnoName());
        assertEquals(2, e.errno());
        assertTrue(e.getMessage().contains("kldload accf_data"), e.getMessage());
        assertDoesNotThrow(() -> assertEquals(0, get()));
    }

    @Test
    void anotherFilterIsReportedByName() throws IOException {
        // Another part of the program installed httpready on this listener.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = FreeBsdServerSocketsProvider.filterArg(arena, "httpready");
            int r = new org.tryaccept.internal.ListenerFds(hostFdAccess(), kernel, provider.platform()).onBorrowed(listener,
                    fd -> kernel.setsockopt(fd, 0xffff, 0x1000, arg, 256));
            assertEquals(0, r);
        }
        assertEquals(0, get(), "only dataready counts as deferral");
        ErrnoException e = assertThrows(ErrnoException.class, () -> set(1));
        assertEquals("EINVAL", e.errnoName());
        assertTrue(e.getMessage().contains("httpready") && e.getMessage().contains("0"), e.getMessage());
        set(0);
        set(1);
        assertEquals(1, get());
    }

    @Test
    void socketThatIsNotListeningGetsAClearError() throws Exception {
        // An accepted connection is a socket that is not listening; point the provider at it.
        try (SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
            Optional<Accepted> got = acceptWithin(provider, listener);
            assertTrue(got.isPresent());
            try (Accepted a = got.get()) {
                FdAccess connectionFd = new FdAccess() {
                    @Override
                    public int fdOf(ServerSocketChannel ch) {
                        return a.fd();
                    }

                    @Override
                    public String mode() {
                        return "test";
                    }
                };
                FreeBsdServerSocketsProvider p = new FreeBsdServerSocketsProvider(kernel, connectionFd);
                for (int n : new int[] {1, 0}) {
                    ErrnoException e = assertThrows(ErrnoException.class,
                            () -> p.setOption(listener, ServerSocketOptions.TCP_DEFER_ACCEPT, n));
                    assertEquals("EINVAL", e.errnoName());
                    assertTrue(e.getMessage().contains("not listening"), e.getMessage());
                }
                ErrnoException e = assertThrows(ErrnoException.class,
                        () -> p.getOption(listener, ServerSocketOptions.TCP_DEFER_ACCEPT));
                assertTrue(e.getMessage().contains("not listening"), e.getMessage());
            }
        }
    }

    @Test
    void badArgumentsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> set(-1));
        assertTrue(e.getMessage().contains("-1"));
        assertThrows(UnsupportedOperationException.class,
                () -> provider.setOption(listener, StandardSocketOptions.SO_RCVBUF, 1));
        assertThrows(UnsupportedOperationException.class,
                () -> provider.getOption(listener, StandardSocketOptions.SO_RCVBUF));
        assertTrue(kernel.calls().isEmpty(), "nothing reached the kernel: " + kernel.calls());
    }

    @Test
    void closedListenerIsClosedChannelException() throws IOException {
        set(1);
        listener.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, this::get);
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> set(0));
    }

    @Test
    void filterStructHelpersRespectTheLayout() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = FreeBsdServerSocketsProvider.filterArg(arena, "dataready");
            assertEquals(256, arg.byteSize());
            byte[] bytes = arg.toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals("dataready".getBytes(), java.util.Arrays.copyOfRange(bytes, 0, 9));
            for (int i = 9; i < 256; i++) {
                assertEquals(0, bytes[i], "byte " + i + " is zero (NUL-terminated name, empty af_arg)");
            }
            assertEquals("dataready", FreeBsdServerSocketsProvider.filterName(arg, 256));
            assertEquals("data", FreeBsdServerSocketsProvider.filterName(arg, 4), "bounded by the returned length");
            MemorySegment full = arena.allocate(256);
            full.asSlice(0, 20).fill((byte) 'x'); // no NUL inside af_name[16]
            assertEquals("x".repeat(16), FreeBsdServerSocketsProvider.filterName(full, 256));
            assertThrows(IllegalArgumentException.class,
                    () -> FreeBsdServerSocketsProvider.filterArg(arena, "sixteen-chars-xx"));
        }
    }
}
