package org.tryaccept.bench;

import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.tryaccept.ServerSockets;
import org.tryaccept.internal.LibcSyscalls;
import org.tryaccept.spi.ServerSocketsProvider;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.OperationsPerInvocation;

/**
 * Nothing pending, with --add-exports (the library's fast fd path), plus the comparison rows: the
 * JDK's accept(), Netty's native accept, the C floors (failing accept4, poll with timeout 0) and a
 * bare FFM poll from Java (what one downcall costs, to break the tryAccept row down).
 */
@Fork(jvmArgsAppend = {Listeners.NATIVE, Listeners.EXPORTS})
public class NothingPending extends NothingPendingBase {
    private Socket netty;
    private final byte[] nettyAddress = new byte[26]; // Netty's own accept buffer size for IPv6 + scope + port
    private CFloor floor;
    private int cListener;
    private int jdkFd;
    private ServerSocketsProvider provider;

    @Override
    protected String mode() {
        return "jdk-internal";
    }

    @Override
    protected void openMore() throws IOException {
        netty = Listeners.netty(libc);
        floor = CFloor.load();
        Libc.verify(floor.constants());
        cListener = floor.listen();
        jdkFd = Listeners.fdOf(listener);
        provider = ServerSockets.provider();
    }

    @Override
    protected void closeMore() throws IOException {
        netty.close();
        floor.close(cListener);
    }

    /** ServerSocketChannel.accept() in non-blocking mode: returns null, after a failing accept in the kernel. */
    @Benchmark
    public SocketChannel jdkAccept() throws IOException {
        return listener.accept();
    }

    /** Netty epoll's public native accept: -1 on EAGAIN, after a failing accept4 in the kernel. */
    @Benchmark
    public int nettyAccept() throws IOException {
        return netty.accept(nettyAddress);
    }

    @Benchmark
    @OperationsPerInvocation(CFloor.BATCH)
    public long cFailingAccept4() {
        return floor.acceptEmpty(cListener, CFloor.BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(CFloor.BATCH)
    public long cPoll() {
        return floor.pollEmpty(cListener, CFloor.BATCH);
    }

    /** Breakdown: epoll_wait(timeout 0) on a registered empty listener, the check tryAccept makes on Linux. */
    @Benchmark
    @OperationsPerInvocation(CFloor.BATCH)
    public long cEpollWait() {
        return floor.epollEmpty(cListener, CFloor.BATCH);
    }

    /**
     * Breakdown: the library's own poll wrapper (per-thread scratch segment, errno capture), called
     * directly. The bench runs on the class path, where the internal package is reachable; the JMH
     * numbers of this row and the next say where tryAccept's time goes above one bare downcall.
     */
    @Benchmark
    public int libraryPoll() {
        return LIBRARY_CALLS.poll(jdkFd, Libc.POLLIN);
    }

    /** Breakdown: the provider's tryAccept, without ServerSockets' argument and mode checks. */
    @Benchmark
    public int providerTryAccept() throws IOException {
        return provider.tryAccept(listener, peer, peerLength);
    }

    private static final LibcSyscalls LIBRARY_CALLS =
            new LibcSyscalls(((org.tryaccept.internal.FfmProvider) org.tryaccept.ServerSockets.provider()).platform().poll());
    private final java.lang.foreign.MemorySegment peer =
            java.lang.foreign.Arena.ofAuto().allocate(org.tryaccept.spi.SockaddrCodec.CAPACITY, 8);
    private final java.lang.foreign.MemorySegment peerLength =
            java.lang.foreign.Arena.ofAuto().allocate(java.lang.foreign.ValueLayout.JAVA_INT);

    /** Breakdown: one FFM downcall of poll(POLLIN, 0) with errno capture, on the JDK listener's fd. */
    @Benchmark
    public int ffmPoll() {
        return libc.pollIn(jdkFd);
    }
}
