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
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;

/**
 * Scenario "nothing pending": a bound, listening, non-blocking listener with an empty queue, asked
 * for a connection again and again. This is the call an event loop makes after draining the queue,
 * or on every wake-up of a loop that polls. The tryAccept rows live here; the subclasses choose the
 * fork flags (with and without --add-exports) and add the comparison rows.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public abstract class NothingPendingBase {
    protected Arena arena;
    protected Libc libc;
    protected ServerSocketChannel listener;
    protected AcceptBuffer buffer;

    /** @return the fd-access mode this class's forks run: "discovery", "jdk-internal" or "jdk-acceptlock" */
    protected abstract String mode();

    @Setup(Level.Trial)
    public void openListener() throws IOException {
        Listeners.checkMode(mode());
        arena = Arena.ofShared();
        libc = new Libc(arena);
        listener = Listeners.jdk();
        buffer = new AcceptBuffer();
        if (ServerSockets.tryAccept(listener, buffer) || ServerSockets.tryAccept(listener).isPresent()) {
            throw new IllegalStateException("a fresh listener had a pending connection");
        }
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

    @Benchmark
    public Optional<Accepted> tryAcceptOptional() throws IOException {
        return ServerSockets.tryAccept(listener);
    }

    @Benchmark
    public boolean tryAcceptBuffer() throws IOException {
        return ServerSockets.tryAccept(listener, buffer);
    }
}
