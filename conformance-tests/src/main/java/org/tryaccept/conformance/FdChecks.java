package org.tryaccept.conformance;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * File-descriptor facts the kit asserts: the flags of an accepted fd (read with its own {@code fcntl},
 * in the host OS's numbers, never through the provider under test) and how many fds the process has
 * open (for leak checks).
 *
 * @since 0.1
 */
public final class FdChecks {
    private static final Path[] FD_DIRS = {Path.of("/proc/self/fd"), Path.of("/dev/fd")};

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    // read(2) is not part of the provider's Syscalls; the kit binds it itself to check that the first
    // read of a deferred connection succeeds at once.
    private static final MethodHandle READ = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("read").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));

    // fcntl is variadic: the third argument is the first variadic one (matters on Apple arm64).
    private static final MethodHandle FCNTL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));

    private FdChecks() {
    }

    /**
     * One {@code read(2)} on {@code fd} into {@code dst}.
     *
     * @return the number of bytes read, or {@code -errno}
     */
    public static int read(int fd, byte[] dst) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(dst.length);
            MemorySegment state = arena.allocate(CAPTURE);
            long n = (long) READ.invokeExact(state, fd, buf, (long) dst.length);
            if (n < 0) {
                return -state.get(ValueLayout.JAVA_INT, CAPTURE.byteOffset(MemoryLayout.PathElement.groupElement("errno")));
            }
            MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, dst, 0, (int) n);
            return (int) n;
        } catch (Throwable t) {
            throw new AssertionError("read(" + fd + ") could not be called", t);
        }
    }

    private static int fcntl(int fd, int cmd) {
        try {
            return (int) FCNTL.invokeExact(fd, cmd, 0);
        } catch (Throwable t) {
            throw new AssertionError("fcntl(" + fd + ", " + cmd + ") could not be called", t);
        }
    }

    /** @return true if {@code fd} has {@code O_NONBLOCK} set */
    public static boolean isNonBlocking(int fd) {
        int flags = fcntl(fd, HostFcntl.F_GETFL);
        if (flags < 0) {
            throw new AssertionError("fcntl(" + fd + ", F_GETFL) failed: fd " + fd + " is not open");
        }
        return (flags & HostFcntl.O_NONBLOCK) != 0;
    }

    /** @return true if {@code fd} has {@code FD_CLOEXEC} set */
    public static boolean isCloseOnExec(int fd) {
        int flags = fcntl(fd, HostFcntl.F_GETFD);
        if (flags < 0) {
            throw new AssertionError("fcntl(" + fd + ", F_GETFD) failed: fd " + fd + " is not open");
        }
        return (flags & HostFcntl.FD_CLOEXEC) != 0;
    }

    /** @return true if {@code fd} is an open descriptor of this process */
    public static boolean isOpen(int fd) {
        return fcntl(fd, HostFcntl.F_GETFD) >= 0;
    }

    /** @return "fd -> target" for every open fd in /proc/self/fd (empty where there is no /proc), for leak reports */
    public static java.util.SortedMap<Integer, String> openFdTargets() {
        java.util.SortedMap<Integer, String> m = new java.util.TreeMap<>();
        Path dir = FD_DIRS[0];
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(f -> {
                    String target;
                    try {
                        target = Files.readSymbolicLink(f).toString();
                    } catch (IOException e) {
                        target = "?";
                    }
                    m.put(Integer.parseInt(f.getFileName().toString()), target);
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return m;
    }

    private static volatile boolean jdkWarm;

    /**
     * Runs one JDK connect/accept/close cycle, once per JVM. The JDK opens a few descriptors lazily on
     * first use of socket channels and keeps them for the life of the JVM (a socket among them); counting
     * fds before that has happened would report the JDK's own descriptor as a provider leak.
     */
    public static void warmUpJdkOnce() {
        if (jdkWarm) {
            return;
        }
        try (java.nio.channels.ServerSocketChannel l = java.nio.channels.ServerSocketChannel.open()
                .bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
             java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(l.getLocalAddress());
             java.nio.channels.SocketChannel s = l.accept()) {
            s.configureBlocking(false);
            c.configureBlocking(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        jdkWarm = true;
    }

    /** @return true when {@link #openFdCount()} can be measured on this OS */
    public static boolean canCountFds() {
        return openFdCount() >= 0;
    }

    /**
     * @return the number of open fds of this process (from {@code /proc/self/fd}, else {@code /dev/fd}),
     *         or -1 when neither lists them
     */
    public static long openFdCount() {
        warmUpJdkOnce();
        for (Path dir : FD_DIRS) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    long n = s.count();
                    if (n > 3 || dir.startsWith("/proc")) { // /dev/fd without fdescfs shows only 0-2
                        return n;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return -1;
    }
}
