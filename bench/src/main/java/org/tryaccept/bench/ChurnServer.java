package org.tryaccept.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.ServerSockets;

/**
 * The single-thread servers of the end-to-end churn benchmark. Each one accepts, reads one short
 * request, writes a fixed 64-byte reply and closes. One server per JVM, started by {@link ChurnRunner}.
 *
 * <p>Protocol with the driver: prints {@code PORT n} once listening; stops when its stdin reaches
 * EOF or after the given number of seconds (so it never outlives a crashed driver); prints
 * {@code STATS ...} when it stops.
 *
 * <p>usage: ChurnServer tryaccept|tryaccept-defer|jdk|netty MAX_SECONDS
 */
public final class ChurnServer {
    static final byte[] REPLY = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\ntryacc\n"
            .getBytes(StandardCharsets.US_ASCII);

    static {
        if (REPLY.length != 64) { // loadgen.c counts a reply of 64 bytes as a success
            throw new AssertionError("reply is " + REPLY.length + " bytes");
        }
    }

    private static volatile boolean stop;

    private ChurnServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ChurnServer tryaccept|tryaccept-defer|jdk|netty MAX_SECONDS");
            System.exit(2);
        }
        long deadline = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
        Thread watcher = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // the driver closes our stdin to stop us
                }
            } catch (IOException ignored) {
                // treat like EOF
            }
            stop = true;
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
        String stats = switch (args[0]) {
            case "tryaccept" -> ffmEpoll(false, deadline);
            case "tryaccept-defer" -> ffmEpoll(true, deadline);
            case "jdk" -> jdkSelector(deadline);
            case "netty" -> netty(deadline);
            default -> throw new IllegalArgumentException("unknown server " + args[0]);
        };
        System.out.println("STATS " + stats);
        System.out.flush();
        System.exit(0);
    }

    private static boolean running(long deadline) {
        return !stop && System.nanoTime() < deadline;
    }

    private static void announce(int port) {
        System.out.println("PORT " + port);
        System.out.flush();
    }

    /**
     * FFM epoll loop draining the listener with tryAccept(AcceptBuffer). With TCP_DEFER_ACCEPT the
     * kernel queues a connection only once its first bytes arrived, so the accepted fd is read at
     * once, saving one epoll round trip; on the rare EAGAIN it falls back to waiting for readiness.
     * Without deferral the fd is registered and read when epoll reports it, as usual.
     */
    static String ffmEpoll(boolean defer, long deadline) throws IOException {
        ServerSocketChannel ch = Listeners.jdk();
        if (defer) {
            ServerSockets.setOption(ch, ServerSocketOptions.TCP_DEFER_ACCEPT, 1);
        }
        int lfd = Listeners.fdOf(ch); // to register the listener with our epoll; the bench never closes it early
        long served = 0;
        long immediate = 0;
        long fallback = 0;
        try (Arena arena = Arena.ofConfined()) {
            Libc libc = new Libc(arena);
            if (System.getProperty(CFloor.DIR_PROPERTY) != null) {
                Libc.verify(CFloor.load().constants());
            }
            int ep = libc.epollCreate();
            check(ep, "epoll_create1");
            check(libc.epollCtl(ep, Libc.EPOLL_CTL_ADD, lfd, Libc.EPOLLIN), "epoll_ctl(listener)");
            int max = 256;
            MemorySegment events = arena.allocate((long) Libc.EPOLL_EVENT_SIZE * max, 8);
            MemorySegment in = arena.allocate(4096);
            MemorySegment reply = arena.allocate(REPLY.length);
            reply.copyFrom(MemorySegment.ofArray(REPLY));
            AcceptBuffer buf = new AcceptBuffer();
            announce(Listeners.port(ch));
            while (running(deadline)) {
                int n = libc.epollWait(ep, events, max, 100);
                if (n < 0) {
                    if (-n == 4) { // EINTR
                        continue;
                    }
                    check(n, "epoll_wait");
                }
                for (int i = 0; i < n; i++) {
                    int fd = Libc.eventFd(events, i);
                    if (fd == lfd) {
                        while (ServerSockets.tryAccept(ch, buf)) {
                            int c = buf.fd();
                            if (defer) {
                                if (serve(libc, c, in, reply)) {
                                    immediate++;
                                    served++;
                                } else {
                                    fallback++;
                                    check(libc.epollCtl(ep, Libc.EPOLL_CTL_ADD, c, Libc.EPOLLIN), "epoll_ctl(add)");
                                }
                            } else {
                                check(libc.epollCtl(ep, Libc.EPOLL_CTL_ADD, c, Libc.EPOLLIN), "epoll_ctl(add)");
                            }
                        }
                    } else if (serve(libc, fd, in, reply)) {
                        served++;
                    }
                }
            }
            libc.close(ep);
        }
        ch.close();
        return "served=" + served + (defer ? " readAtOnce=" + immediate + " eagainFallback=" + fallback : "");
    }

    /** @return true when the connection is finished (replied and closed), false on EAGAIN (still open) */
    private static boolean serve(Libc libc, int fd, MemorySegment in, MemorySegment reply) {
        int r = libc.read(fd, in, in.byteSize());
        if (r == -Libc.EAGAIN) {
            return false;
        }
        if (r > 0) {
            libc.write(fd, reply, reply.byteSize()); // 64 bytes into an empty socket buffer: never short
        }
        libc.close(fd); // also removes it from the epoll set
        return true;
    }

    private static void check(int r, String what) throws IOException {
        if (r < 0) {
            throw new IOException(what + " failed: errno " + -r);
        }
    }

    /** The classic JDK server: one Selector, accept() until null, register OP_READ, read, reply, close. */
    static String jdkSelector(long deadline) throws IOException {
        ServerSocketChannel ch = Listeners.jdk();
        long served = 0;
        try (Selector sel = Selector.open()) {
            ch.register(sel, SelectionKey.OP_ACCEPT);
            ByteBuffer in = ByteBuffer.allocateDirect(4096);
            ByteBuffer reply = ByteBuffer.allocateDirect(REPLY.length).put(REPLY).flip();
            announce(Listeners.port(ch));
            while (running(deadline)) {
                sel.select(100);
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        SocketChannel sc;
                        while ((sc = ch.accept()) != null) {
                            sc.configureBlocking(false);
                            sc.register(sel, SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        SocketChannel sc = (SocketChannel) key.channel();
                        in.clear();
                        int r;
                        try {
                            r = sc.read(in);
                        } catch (IOException e) {
                            r = -1;
                        }
                        if (r > 0) {
                            sc.write(reply.rewind());
                            served++;
                        }
                        if (r != 0) {
                            sc.close();
                        }
                    }
                }
            }
        }
        ch.close();
        return "served=" + served;
    }

    @ChannelHandler.Sharable
    private static final class Reply extends ChannelInboundHandlerAdapter {
        private final ByteBuf reply = Unpooled.unreleasableBuffer(Unpooled.directBuffer(REPLY.length).writeBytes(REPLY));
        long served;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            served++; // one event-loop thread: no race
            ctx.writeAndFlush(reply.duplicate()).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Netty 4.2 with its native epoll transport; one event-loop thread serves the listener and the children. */
    static String netty(long deadline) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Reply handler = new Reply();
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, Listeners.BACKLOG)
                    .childHandler(handler)
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            announce(((InetSocketAddress) server.localAddress()).getPort());
            while (running(deadline)) {
                Thread.sleep(50);
            }
            server.close().sync();
            long served = group.submit(() -> handler.served).get();
            return "served=" + served;
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }
}
