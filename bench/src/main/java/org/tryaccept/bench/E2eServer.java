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
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Iterator;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.ServerSockets;

/**
 * The Java HTTP/1.1 servers of the end-to-end benchmark, one thread each, all answering any request
 * with 200 and a short body through {@link MiniHttp}, keep-alive unless the request says
 * {@code Connection: close}. Started by {@link EndToEndRunner}, one JVM per server.
 *
 * <p>Prints {@code listening on 127.0.0.1:PORT} once it accepts; exits when its stdin reaches EOF (the
 * driver closes it, or dies), so it never outlives the benchmark.
 *
 * <p>usage: E2eServer jdk|jdk-defer|jdk-defer-read|netty|netty-defer PORT
 * <ul>
 * <li>jdk: a Selector, {@code accept()} until null, each channel registered for OP_READ</li>
 * <li>jdk-defer: the same with {@code TCP_DEFER_ACCEPT} (1 s) set with {@code ServerSockets.setOption}</li>
 * <li>jdk-defer-read: the same, and the accepted channel is read at once; registered only when that
 * read returns 0 (the payoff of deferral: no readiness round trip, DESIGN section 4)</li>
 * <li>netty, netty-defer: Netty 4.2 native epoll, one event loop for the listener and the children,
 * without and with {@code EpollChannelOption.TCP_DEFER_ACCEPT} (1 s)</li>
 * </ul>
 */
public final class E2eServer {
    private E2eServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: E2eServer jdk|jdk-defer|jdk-defer-read|netty|netty-defer PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[1]);
        Thread watcher = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // the driver closes our stdin to stop us
                }
            } catch (IOException ignored) {
                // treat like EOF
            }
            Runtime.getRuntime().halt(0); // the servers hold nothing that needs a clean shutdown
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
        switch (args[0]) {
            case "jdk" -> jdk(port, false, false);
            case "jdk-defer" -> jdk(port, true, false);
            case "jdk-defer-read" -> jdk(port, true, true);
            case "netty" -> netty(port, false);
            case "netty-defer" -> netty(port, true);
            default -> throw new IllegalArgumentException("unknown server " + args[0]);
        }
    }

    private static void announce(int port) {
        System.out.println("listening on 127.0.0.1:" + port);
        System.out.flush();
    }

    /** Bytes of a request that arrived in pieces; attached to the connection only when that happens. */
    private static final class Pending {
        byte[] bytes = new byte[0];
    }

    /** What {@link #serve} returns for a connection it closed. */
    private static final Pending CLOSED = new Pending();

    static void jdk(int port, boolean defer, boolean readAtOnce) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
        ch.configureBlocking(false);
        if (defer) {
            ServerSockets.setOption(ch, ServerSocketOptions.TCP_DEFER_ACCEPT, 1);
        }
        Selector sel = Selector.open();
        ch.register(sel, SelectionKey.OP_ACCEPT);
        ByteBuffer in = ByteBuffer.allocateDirect(4096);
        byte[] scratch = new byte[8192];
        ByteBuffer keep = ByteBuffer.allocateDirect(MiniHttp.KEEP.length).put(MiniHttp.KEEP).flip();
        ByteBuffer close = ByteBuffer.allocateDirect(MiniHttp.CLOSE.length).put(MiniHttp.CLOSE).flip();
        announce(port);
        for (;;) {
            sel.select();
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
                        Pending p = null;
                        if (readAtOnce) {
                            p = serve(sc, null, in, scratch, keep, close);
                            if (p == CLOSED) {
                                continue; // answered and closed without ever meeting the Selector
                            }
                        }
                        sc.register(sel, SelectionKey.OP_READ, p);
                    }
                } else if (key.isReadable()) {
                    Pending p = serve((SocketChannel) key.channel(), (Pending) key.attachment(), in, scratch, keep, close);
                    if (p != CLOSED) {
                        key.attach(p);
                    }
                }
            }
        }
    }

    /**
     * Reads what is there and answers every complete request in it.
     *
     * @return {@link #CLOSED} when the connection is closed; else what to keep with it: null when no
     *         partial request is pending, or the {@link Pending} bytes
     */
    private static Pending serve(SocketChannel sc, Pending pending, ByteBuffer in, byte[] scratch,
                                 ByteBuffer keep, ByteBuffer close) throws IOException {
        in.clear();
        int r;
        try {
            r = sc.read(in);
        } catch (IOException e) {
            r = -1; // reset by the peer: nothing to answer
        }
        if (r < 0) {
            sc.close();
            return CLOSED;
        }
        int len = 0;
        if (pending != null) {
            System.arraycopy(pending.bytes, 0, scratch, 0, pending.bytes.length);
            len = pending.bytes.length;
        }
        if (len + r > scratch.length) { // a header block larger than we take
            sc.close();
            return CLOSED;
        }
        in.get(0, scratch, len, r);
        len += r;
        int start = 0;
        for (int end; (end = MiniHttp.headerEnd(scratch, start, len)) >= 0; start = end) {
            boolean closing = MiniHttp.wantsClose(scratch, start, end);
            ByteBuffer reply = (closing ? close : keep).rewind();
            sc.write(reply); // ~100 bytes into a socket buffer that holds many: never short here
            if (closing || reply.hasRemaining()) {
                sc.close();
                return CLOSED;
            }
        }
        if (start == len) {
            return null;
        }
        Pending p = pending != null ? pending : new Pending();
        p.bytes = Arrays.copyOfRange(scratch, start, len);
        return p;
    }

    private static final AttributeKey<byte[]> PENDING = AttributeKey.valueOf("tryaccept.pending");

    /** One handler for all channels: they all run on the one event-loop thread, so the scratch is safe. */
    @ChannelHandler.Sharable
    private static final class Handler extends ChannelInboundHandlerAdapter {
        private final ByteBuf keep = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(MiniHttp.KEEP.length).writeBytes(MiniHttp.KEEP));
        private final ByteBuf close = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(MiniHttp.CLOSE.length).writeBytes(MiniHttp.CLOSE));
        private final byte[] scratch = new byte[8192];

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] pending = ctx.channel().attr(PENDING).getAndSet(null);
                int len = 0;
                if (pending != null) {
                    System.arraycopy(pending, 0, scratch, 0, pending.length);
                    len = pending.length;
                }
                int r = buf.readableBytes();
                if (len + r > scratch.length) {
                    ctx.close();
                    return;
                }
                buf.readBytes(scratch, len, r);
                len += r;
                int start = 0;
                for (int end; (end = MiniHttp.headerEnd(scratch, start, len)) >= 0; start = end) {
                    if (MiniHttp.wantsClose(scratch, start, end)) {
                        ctx.writeAndFlush(close.duplicate()).addListener(ChannelFutureListener.CLOSE);
                        return;
                    }
                    ctx.writeAndFlush(keep.duplicate());
                }
                if (start < len) {
                    ctx.channel().attr(PENDING).set(Arrays.copyOfRange(scratch, start, len));
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    static void netty(int port, boolean defer) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new Handler());
        if (defer) {
            b.option(EpollChannelOption.TCP_DEFER_ACCEPT, 1);
        }
        Channel server = b.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).sync().channel();
        announce(port);
        server.closeFuture().sync(); // until the stdin watcher halts the JVM
    }
}
