package org.tryaccept.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;

/**
 * Scenario "connect + accept + close both". The client half is the same in every row: a raw
 * socket() + blocking connect() to 127.0.0.1 through FFM (allocation-free, see {@link Libc}), closed
 * first, then the accepted socket is closed. On loopback the handshake completes inside connect(), so
 * the connection is already queued when the server side asks; if not, every row spins until it is.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public abstract class AcceptCycleBase {
    protected Arena arena;
    protected Libc client;
    protected ServerSocketChannel listener;
    protected AcceptBuffer buffer;

    /** @return the fd-access mode this class's forks run: "discovery", "jdk-internal" or "jdk-acceptlock" */
    protected abstract String mode();

    @Setup(Level.Trial)
    public void openListener() throws IOException {
        Listeners.checkMode(mode());
        arena = Arena.ofShared();
        client = new Libc(arena);
        listener = Listeners.jdk();
        client.target(Listeners.port(listener));
        buffer = new AcceptBuffer();
        openMore();
    }

    /** Extra setup of a subclass, run after the listener exists (JMH does not order @Setup methods across a hierarchy). */
    protected void openMore() throws IOException {
    }

    protected void closeMore() throws IOException {
    }

    @TearDown(Level.Trial)
    public void closeListener() throws IOException {
        closeMore();
        listener.close();
    }

    /**
     * The Accepted is handed to a Blackhole before it is closed, as a server hands it to its loop: without
     * that, escape analysis may remove the Optional, the Accepted and part of the address decoding, and
     * the B/op would depend on inlining luck rather than on the library.
     */
    @Benchmark
    public void tryAcceptOptional(Blackhole bh) throws IOException {
        int c = client.connectOrThrow();
        Optional<Accepted> a;
        while ((a = ServerSockets.tryAccept(listener)).isEmpty()) {
            Thread.onSpinWait();
        }
        bh.consume(a);
        client.close(c);
        a.get().close();
    }

    @Benchmark
    public void tryAcceptBuffer() throws IOException {
        int c = client.connectOrThrow();
        while (!ServerSockets.tryAccept(listener, buffer)) {
            Thread.onSpinWait();
        }
        client.close(c);
        client.close(buffer.fd());
    }
}
