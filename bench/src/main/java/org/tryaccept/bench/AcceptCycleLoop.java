package org.tryaccept.bench;

import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.ServerSockets;
import org.tryaccept.internal.FfmProvider;

/**
 * The accept cycle outside JMH, for two jobs JMH does badly on a shared machine:
 * <ul>
 * <li><b>Ratios that hold under load.</b> The variants (bare FFM accept4 on the JDK's fd, tryAccept into an
 * AcceptBuffer and into an Optional in this JVM's fd-access mode, Netty's accept, the C cycle and the C
 * cycle with the acceptLock mode's epoll_wait + accept4) alternate in blocks of
 * {@value #BLOCK} cycles inside one JVM, for many rounds, so that a busy minute hits all of them alike;
 * the report gives each variant's median block time and its ratio to the others. JMH runs one row per
 * fork, seconds apart, and the load of other work drifts in between.</li>
 * <li><b>Profiling</b> one variant alone: {@code --only tryAccept} runs just that loop, for async-profiler
 * or JFR ({@code -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints}).</li>
 * </ul>
 * usage: {@code java --enable-native-access=ALL-UNNAMED [--add-opens|--add-exports java.base/sun.nio.ch=ALL-UNNAMED]
 * -Dtryaccept.bench.native=DIR -cp benchmarks.jar org.tryaccept.bench.AcceptCycleLoop [--seconds N] [--only VARIANT]}
 */
public final class AcceptCycleLoop {
    static final int BLOCK = 1000;

    private final Arena arena = Arena.ofShared();
    private final Libc client = new Libc(arena);
    private final Libc nettyClient = new Libc(arena);
    private final ServerSocketChannel listener;
    private final int jdkFd;
    private final AcceptBuffer buffer = new AcceptBuffer();
    private final MemorySegment peer = arena.allocate(128, 8);
    private final MemorySegment peerLength = arena.allocate(4, 4);
    private final Socket netty;
    private final byte[] nettyAddress = new byte[26];
    private final CFloor floor;
    private final int cListener;
    private final int cPort;

    private AcceptCycleLoop() throws IOException {
        listener = Listeners.jdk();
        client.target(Listeners.port(listener));
        // The bare row needs the JDK's number; without --add-exports, find it the flag-free way.
        jdkFd = Object.class.getModule().isExported("sun.nio.ch", AcceptCycleLoop.class.getModule())
                ? Listeners.fdOf(listener)
                : org.tryaccept.internal.FdAccess.of("discovery", ((FfmProvider) ServerSockets.provider()).platform(),
                        new org.tryaccept.internal.LibcSyscalls(((FfmProvider) ServerSockets.provider()).platform().poll()))
                        .fdOf(listener);
        netty = Listeners.netty(nettyClient);
        nettyClient.target(netty.localAddress().getPort());
        floor = CFloor.load();
        cListener = floor.listen();
        cPort = floor.port(cListener);
    }

    private void bare() {
        int c = client.connectOrThrow();
        int fd;
        while ((fd = client.accept4(jdkFd, peer, peerLength)) < 0) {
            Thread.onSpinWait();
        }
        client.close(c);
        client.close(fd);
    }

    private void tryAccept() throws IOException {
        int c = client.connectOrThrow();
        while (!ServerSockets.tryAccept(listener, buffer)) {
            Thread.onSpinWait();
        }
        client.close(c);
        client.close(buffer.fd());
    }

    private void tryAcceptOptional() throws IOException {
        int c = client.connectOrThrow();
        java.util.Optional<org.tryaccept.Accepted> a;
        while ((a = ServerSockets.tryAccept(listener)).isEmpty()) {
            Thread.onSpinWait();
        }
        sink = a;
        client.close(c);
        a.get().close();
    }

    /** Keeps the Optional reachable, as a server hands it on (see AcceptCycleBase#tryAcceptOptional). */
    static volatile Object sink;

    private void netty() throws IOException {
        int c = nettyClient.connectOrThrow();
        int fd;
        while ((fd = netty.accept(nettyAddress)) < 0) {
            Thread.onSpinWait();
        }
        nettyClient.close(c);
        nettyClient.close(fd);
    }

    /** One block of a variant; returns ns per cycle. */
    private double block(int variant) throws IOException {
        long t0 = System.nanoTime();
        switch (variant) {
            case 0 -> { for (int i = 0; i < BLOCK; i++) bare(); }
            case 1 -> { for (int i = 0; i < BLOCK; i++) tryAccept(); }
            case 2 -> { for (int i = 0; i < BLOCK; i++) netty(); }
            case 3 -> floor.cycle(cListener, cPort, BLOCK);
            case 4 -> floor.cycleEpoll(cListener, cPort, BLOCK);
            default -> { for (int i = 0; i < BLOCK; i++) tryAcceptOptional(); }
        }
        return (System.nanoTime() - t0) / (double) BLOCK;
    }

    private static final String[] NAMES = {"bare FFM accept4", "tryAccept(AcceptBuffer)", "Netty accept(byte[])", "C cycle",
            "C epoll_wait+accept4 cycle", "tryAccept -> Optional"};
    private static final int VARIANTS = NAMES.length;

    public static void main(String[] args) throws Exception {
        double seconds = 60;
        int only = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--only" -> only = List.of("bare", "tryAccept", "netty", "c", "c-epoll", "optional").indexOf(args[++i]);
                default -> throw new IllegalArgumentException("usage: AcceptCycleLoop [--seconds N] [--only bare|tryAccept|netty|c|c-epoll|optional]");
            }
        }
        AcceptCycleLoop loop = new AcceptCycleLoop();
        String mode = ((FfmProvider) ServerSockets.provider()).fdAccessMode();
        // Warm-up: every variant until C2 has compiled it (a few seconds of cycles each).
        for (int r = 0; r < 10; r++) {
            for (int v = 0; v < VARIANTS; v++) {
                if (only < 0 || only == v) {
                    loop.block(v);
                }
            }
        }
        List<List<Double>> times = new ArrayList<>();
        for (int v = 0; v < VARIANTS; v++) {
            times.add(new ArrayList<>());
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int round = 0;
        while (System.nanoTime() < end) {
            for (int k = 0; k < VARIANTS; k++) {
                int v = (k + round) % VARIANTS; // rotated, so no variant always follows the same one
                if (only < 0 || only == v) {
                    times.get(v).add(loop.block(v));
                }
            }
            round++;
        }
        double[] med = new double[VARIANTS];
        System.out.printf(Locale.ROOT, "fd-access mode %s, %d rounds of %d cycles per variant, load %s%n", mode, round, BLOCK,
                HostFacts.loadAverage());
        for (int v = 0; v < VARIANTS; v++) {
            if (times.get(v).isEmpty()) {
                continue;
            }
            double[] t = times.get(v).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            med[v] = t[t.length / 2];
            System.out.printf(Locale.ROOT, "%-26s median %8.0f ns  p25 %8.0f  p75 %8.0f%n", NAMES[v], med[v],
                    t[t.length / 4], t[3 * t.length / 4]);
        }
        if (only < 0) {
            // Per-round ratios (each round ran every variant within ~0.2 s): their median is robust to drift.
            for (int[] pair : new int[][] {{1, 0}, {1, 2}, {5, 2}, {0, 2}, {1, 3}, {2, 3}, {0, 3}, {4, 3}}) {
                int n = Math.min(times.get(pair[0]).size(), times.get(pair[1]).size());
                double[] ratios = new double[n];
                for (int i = 0; i < n; i++) {
                    ratios[i] = times.get(pair[0]).get(i) / times.get(pair[1]).get(i);
                }
                Arrays.sort(ratios);
                System.out.printf(Locale.ROOT, "%s / %s: median of per-round ratios %.3f (p25 %.3f, p75 %.3f)%n",
                        NAMES[pair[0]], NAMES[pair[1]], ratios[n / 2], ratios[n / 4], ratios[3 * n / 4]);
            }
        }
        loop.netty.close();
        loop.floor.close(loop.cListener);
        loop.listener.close();
    }
}
