package org.tryaccept.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.tryaccept.internal.LibcSyscalls;

/** Helpers shared by the Linux provider tests: listeners, fd inspection, raw reads. */
final class TestSockets {
    private static final MethodHandle READ = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("read").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private TestSockets() {
    }

    /** A bound, non-blocking listener of the given kind on loopback (or a temp path). */
    static ServerSocketChannel listener(ProtocolFamily family, Path tempDir) throws IOException {
        ServerSocketChannel l;
        if (family == StandardProtocolFamily.UNIX) {
            l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            l.bind(UnixDomainSocketAddress.of(tempDir.resolve("l" + System.nanoTime() + ".sock")), 128);
        } else if (family == StandardProtocolFamily.INET6) {
            l = ServerSocketChannel.open(StandardProtocolFamily.INET6);
            l.bind(new InetSocketAddress("::1", 0), 128);
        } else {
            l = ServerSocketChannel.open(StandardProtocolFamily.INET);
            l.bind(new InetSocketAddress("127.0.0.1", 0), 128);
        }
        l.configureBlocking(false);
        return l;
    }

    static boolean isOpenFd(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd));
    }

    static int statusFlags(int fd) {
        return TestProviders.libc().fcntl(fd, LinuxConstants.F_GETFL, 0);
    }

    static int descriptorFlags(int fd) {
        return TestProviders.libc().fcntl(fd, LinuxConstants.F_GETFD, 0);
    }

    /** read(2) of up to {@code max} bytes; returns the count, or -1 on any error (EAGAIN included). */
    static long read(int fd, int max) {
        try (Arena a = Arena.ofConfined()) {
            return (long) READ.invokeExact(fd, a.allocate(max), (long) max);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Waits until {@code condition} holds, failing after {@code timeout}. */
    static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(2);
        }
    }

    static SocketAddress local(java.nio.channels.NetworkChannel ch) {
        try {
            return ch.getLocalAddress();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
