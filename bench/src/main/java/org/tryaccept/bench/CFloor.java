package org.tryaccept.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The C floor (floor.c) compiled with gcc and bound with FFM, so that C rows run inside the same JMH
 * run as the Java rows. Each C function loops {@link #BATCH} times per downcall: the FFM transition
 * (tens of ns) is spread over the batch and the row measures the system calls, not the binding.
 *
 * <p>The sources travel in the jar ({@code /c/*.c}); {@link #build} compiles them into a directory
 * whose path reaches the JMH forks as the {@value #DIR_PROPERTY} system property.
 */
public final class CFloor {
    public static final String DIR_PROPERTY = "tryaccept.bench.native";
    public static final int BATCH = 64;

    private final MethodHandle listen;
    private final MethodHandle port;
    private final MethodHandle close;
    private final MethodHandle acceptEmpty;
    private final MethodHandle pollEmpty;
    private final MethodHandle epollEmpty;
    private final MethodHandle cycle;
    private final MethodHandle cycleAlgorithm;
    private final MethodHandle cycleEpoll;
    private final MethodHandle constants;

    private CFloor(SymbolLookup lib) {
        Linker l = Linker.nativeLinker();
        listen = l.downcallHandle(lib.find("floor_listen").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
        port = l.downcallHandle(lib.find("floor_port").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        close = l.downcallHandle(lib.find("floor_close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        acceptEmpty = l.downcallHandle(lib.find("floor_accept_empty").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT));
        pollEmpty = l.downcallHandle(lib.find("floor_poll_empty").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT));
        epollEmpty = l.downcallHandle(lib.find("floor_epoll_empty").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT));
        cycle = l.downcallHandle(lib.find("floor_cycle").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        cycleAlgorithm = l.downcallHandle(lib.find("floor_cycle_algorithm").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        cycleEpoll = l.downcallHandle(lib.find("floor_cycle_epoll").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        constants = l.downcallHandle(lib.find("floor_constants").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    /** Loads libfloor.so from the directory named by {@value #DIR_PROPERTY}. */
    public static CFloor load() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null) {
            throw new IllegalStateException("-D" + DIR_PROPERTY + " is not set; run the benchmarks through "
                    + "org.tryaccept.bench.Report (bench/run or ./demo), which compiles the C floor first");
        }
        return new CFloor(SymbolLookup.libraryLookup(Path.of(dir, "libfloor.so"), Arena.global()));
    }

    /**
     * Extracts the C sources from the jar into {@code dir} and compiles libfloor.so and loadgen with
     * gcc -O2. Fails with gcc's own output when gcc is missing or the compile fails.
     */
    public static void build(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        for (String name : List.of("floor.c", "loadgen.c")) {
            try (InputStream in = CFloor.class.getResourceAsStream("/c/" + name)) {
                if (in == null) {
                    throw new IOException("/c/" + name + " is missing from the benchmark jar");
                }
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        gcc(dir, "-O2", "-Wall", "-shared", "-fPIC", "-o", "libfloor.so", "floor.c");
        gcc(dir, "-O2", "-Wall", "-o", "loadgen", "loadgen.c");
    }

    private static void gcc(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getenv().getOrDefault("CC", "gcc"));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run gcc (needed for the C floor; apt-get install gcc): " + e.getMessage(), e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("gcc failed: " + String.join(" ", cmd) + "\n" + out);
        }
    }

    /** @return gcc's version line, for the report */
    public static String gccVersion() {
        try {
            Process p = new ProcessBuilder(System.getenv().getOrDefault("CC", "gcc"), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("?");
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    private static long check(long r, String what) {
        if (r < 0) {
            throw new IllegalStateException(what + " failed: errno " + -r);
        }
        return r;
    }

    public int listen() {
        try {
            return (int) check((int) listen.invokeExact(), "floor_listen");
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    public int port(int fd) {
        try {
            return (int) check((int) port.invokeExact(fd), "floor_port");
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    public void close(int fd) {
        try {
            check((int) close.invokeExact(fd), "floor_close");
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    public long acceptEmpty(int lfd, int n) {
        try {
            return check((long) acceptEmpty.invokeExact(lfd, n), "floor_accept_empty");
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    public long pollEmpty(int lfd, int n) {
        try {
            return check((long) pollEmpty.invokeExact(lfd, n), "floor_poll_empty");
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    public long epollEmpty(int lfd, int n) {
        try {
            return check((long) epollEmpty.invokeExact(lfd, n), "floor_epoll_empty");
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    public long cycle(int lfd, int port, int n) {
        try {
            return check((long) cycle.invokeExact(lfd, port, n), "floor_cycle");
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    public long cycleAlgorithm(int lfd, int port, int n) {
        try {
            return check((long) cycleAlgorithm.invokeExact(lfd, port, n), "floor_cycle_algorithm");
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    public long cycleEpoll(int lfd, int port, int n) {
        try {
            return check((long) cycleEpoll.invokeExact(lfd, port, n), "floor_cycle_epoll");
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    /** @return the constants gcc compiled into floor.c (see {@link Libc#verify}) */
    public int[] constants() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT, 64);
            int n = (int) constants.invokeExact(out, 64);
            return out.asSlice(0, (long) n * 4).toArray(JAVA_INT);
        } catch (Throwable t) {
            throw propagate(t);
        }
    }

    private static RuntimeException propagate(Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }
}
