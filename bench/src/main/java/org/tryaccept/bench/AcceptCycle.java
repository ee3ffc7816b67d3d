package org.tryaccept.bench;

import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.nio.channels.SocketChannel;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.ServerSockets;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.OperationsPerInvocation;

/**
 * Accept cycle with --add-exports, plus the JDK, Netty and C rows. The C rows run the whole cycle in
 * C ({@link CFloor#BATCH} cycles per downcall), with their own client, identical to the FFM client.
 */
@Fork(jvmArgsAppend = {Listeners.NATIVE, Listeners.EXPORTS})
public class AcceptCycle extends AcceptCycleBase {
    private Socket netty;
    private Libc nettyClient;
    private final byte[] nettyAddress = new byte[26];
    private CFloor floor;
    private int cListener;
    private int cPort;
    private AcceptBuffer held;
    private int heldClient;

    @Override
    protected String mode() {
        return "jdk-internal";
    }

    @Override
    protected void openMore() throws IOException {
        netty = Listeners.netty(client);
        nettyClient = new Libc(arena);
        nettyClient.target(netty.localAddress().getPort());
        floor = CFloor.load();
        Libc.verify(floor.constants());
        cListener = floor.listen();
        cPort = floor.port(cListener);
        // One accepted connection kept open for the decode breakdown row.
        held = new AcceptBuffer();
        heldClient = client.connectOrThrow();
        while (!ServerSockets.tryAccept(listener, held)) {
            Thread.onSpinWait();
        }
    }

    @Override
    protected void closeMore() throws IOException {
        netty.close();
        floor.close(cListener);
        client.close(heldClient);
        client.close(held.fd());
    }

    /** ServerSocketChannel.accept() + configureBlocking(false), what a Selector-based server does. */
    @Benchmark
    public void jdkAccept() throws IOException {
        int c = client.connectOrThrow();
        SocketChannel sc;
        while ((sc = listener.accept()) == null) {
            Thread.onSpinWait();
        }
        sc.configureBlocking(false);
        client.close(c);
        sc.close();
    }

    /** Netty's native accept into a reused byte[]; the int fd is closed with the same FFM close as the client. */
    @Benchmark
    public void nettyAccept() throws IOException {
        int c = nettyClient.connectOrThrow();
        int fd;
        while ((fd = netty.accept(nettyAddress)) < 0) {
            Thread.onSpinWait();
        }
        nettyClient.close(c);
        nettyClient.close(fd);
    }

    @Benchmark
    @OperationsPerInvocation(CFloor.BATCH)
    public long cCycle() {
        return floor.cycle(cListener, cPort, CFloor.BATCH);
    }

    /**
     * Breakdown of the Optional row's allocation: decoding the peer address (InetSocketAddress over an
     * Inet4Address) from an AcceptBuffer that holds a connection, which tryAccept(Optional) does once per
     * connection before wrapping it in Accepted and Optional.
     */
    @Benchmark
    public SocketAddress remoteAddressDecode() {
        return held.remoteAddress();
    }

    /** Breakdown: the jdk-acceptlock mode's system calls (epoll_wait, accept4 on the listener's fd) done in C. */
    @Benchmark
    @OperationsPerInvocation(CFloor.BATCH)
    public long cCycleEpoll() {
        return floor.cycleEpoll(cListener, cPort, CFloor.BATCH);
    }

    /** Breakdown: tryAccept's system calls (poll, dup, accept4, close dup) done in C. */
    @Benchmark
    @OperationsPerInvocation(CFloor.BATCH)
    public long cCycleAlgorithm() {
        return floor.cycleAlgorithm(cListener, cPort, CFloor.BATCH);
    }
}
