package org.tryaccept.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.ErrnoException;
import org.tryaccept.Poller;
import org.tryaccept.ServerSockets;
import org.tryaccept.SocketIo;

/**
 * Hands connections accepted with {@link ServerSockets#tryAccept} to Netty: each fd becomes a
 * {@code new EpollSocketChannel(fd)} registered with a Netty epoll event loop group, and from then on
 * Netty owns it (reads, writes, closes it) and its pipeline speaks the protocol.
 *
 * <p>One acceptor thread waits on the listener with a {@link Poller} and drains it with the
 * allocation-free {@code tryAccept}; on EMFILE/ENFILE it stops watching the listener for 100 ms
 * instead of spinning (the listener stays readable while connections are queued).
 *
 * <p>What Netty repeats when it adopts an fd ({@code EpollSocketChannel(int)}, Netty 4.2): it asks
 * {@code getsockopt(SO_ERROR)} whether the socket is healthy, then {@code getsockname} and
 * {@code getpeername} for the channel's addresses (tryAccept already had the peer address from
 * accept4), and its config sets {@code TCP_NODELAY} and reads {@code SO_SNDBUF}; registering adds the
 * fd to the event loop's epoll. Netty's own accept path skips the {@code getpeername} and the
 * {@code SO_ERROR} check. It does not make the fd non-blocking: it relies on the fd already being so,
 * which tryAccept guarantees ({@code SOCK_NONBLOCK|SOCK_CLOEXEC}).
 *
 * <p>When this route is the right one: the listener is not Netty's (a JDK
 * {@code ServerSocketChannel} handed over by {@code System.inheritedChannel()}, or shared with other
 * JDK code), or the application wants its own accept loop (admission control, EMFILE policy,
 * {@code TCP_DEFER_ACCEPT} with read-at-once, choosing a group per connection) and Netty only for the
 * protocol. A server that is Netty from end to end is better served by Netty's own
 * {@code EpollServerSocketChannel}, which accepts as fast (see bench/RESULTS.md) and supports
 * {@code EpollChannelOption.TCP_DEFER_ACCEPT} itself.
 *
 * <p>usage: NettyHandoff [PORT] — answers HTTP requests on 127.0.0.1 until killed.
 */
public final class NettyHandoff implements AutoCloseable {
    private static final long LISTENER = 1;
    private static final long BACKOFF_MILLIS = 100;

    private final ServerSocketChannel listener;
    private final EventLoopGroup group;
    private final Supplier<? extends ChannelHandler> handlers;
    private final Poller poller;
    private final Thread acceptor;
    private volatile boolean closed;

    private NettyHandoff(ServerSocketChannel listener, EventLoopGroup group, Supplier<? extends ChannelHandler> handlers)
            throws IOException {
        this.listener = listener;
        this.group = group;
        this.handlers = handlers;
        this.poller = Poller.open();
        poller.add(listener, Poller.READABLE, LISTENER);
        this.acceptor = new Thread(this::acceptLoop, "tryaccept-acceptor");
    }

    /**
     * Binds a non-blocking listener to {@code address} and starts accepting into {@code group} (which must
     * be an epoll group: {@code MultiThreadIoEventLoopGroup} with {@code EpollIoHandler.newFactory()}); every
     * accepted channel gets a fresh handler from {@code handlers} as its pipeline.
     */
    public static NettyHandoff start(InetSocketAddress address, EventLoopGroup group,
            Supplier<? extends ChannelHandler> handlers) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            listener.bind(address, 1024);
            listener.configureBlocking(false); // tryAccept never blocks
            NettyHandoff h = new NettyHandoff(listener, group, handlers);
            h.acceptor.start();
            return h;
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    private void acceptLoop() {
        AcceptBuffer buf = new AcceptBuffer(); // one per thread; nothing allocated per accept
        boolean paused = false;
        try {
            while (!closed) {
                poller.poll(paused ? BACKOFF_MILLIS : -1);
                if (closed) {
                    return;
                }
                if (paused) { // back-off over: watch the listener again
                    poller.modify(listener, Poller.READABLE, LISTENER);
                    paused = false;
                }
                try {
                    while (ServerSockets.tryAccept(listener, buf)) {
                        handOff(buf.fd());
                    }
                } catch (ErrnoException e) {
                    if (!e.errnoName().equals("EMFILE") && !e.errnoName().equals("ENFILE")) {
                        throw e;
                    }
                    poller.modify(listener, 0, LISTENER); // the queue waits in the kernel; nothing is lost
                    paused = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                System.err.println("tryaccept-acceptor stopped: " + e);
            }
        }
    }

    /** From here on Netty owns the fd: it closes it when the channel closes. */
    private void handOff(int fd) throws IOException {
        EpollSocketChannel ch;
        try {
            ch = new EpollSocketChannel(fd);
        } catch (RuntimeException e) { // not adopted: the fd is still ours to close
            SocketIo.close(fd);
            return;
        }
        ch.pipeline().addLast(handlers.get());
        group.register(ch); // picks an event loop; a failed registration closes the channel (and the fd)
    }

    /** Stops accepting and closes the listener; channels already handed to Netty live on in their group. */
    @Override
    public void close() throws IOException {
        closed = true;
        try {
            poller.wakeup();
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            listener.close();
            poller.close();
        }
    }

    /**
     * A minimal HTTP/1.1 answer in a Netty handler: waits for the end of the request head, replies
     * {@code 200} with {@code Connection: close} and closes. Records the peer address Netty reports.
     */
    public static final class HelloHandler extends ChannelInboundHandlerAdapter {
        static final byte[] REPLY = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
                + "Connection: close\r\n\r\nHello, world\n").getBytes(StandardCharsets.US_ASCII);
        private static final byte[] END_OF_HEAD = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private ByteBuf request;
        volatile SocketAddress remoteSeenByNetty;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            remoteSeenByNetty = ctx.channel().remoteAddress(); // from Netty's getpeername at adoption
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (request == null) {
                    request = ctx.alloc().buffer();
                }
                request.writeBytes(in);
            } finally {
                in.release();
            }
            if (ByteBufUtil.indexOf(Unpooled.wrappedBuffer(END_OF_HEAD), request) >= 0) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(REPLY)).addListener(ChannelFutureListener.CLOSE);
            } else if (request.readableBytes() > 8192) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (request != null) {
                request.release();
                request = null;
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (NettyHandoff h = start(new InetSocketAddress("127.0.0.1", port), group, HelloHandler::new)) {
            System.out.println("listening on " + h.localAddress().getAddress().getHostAddress() + ":" + h.localAddress().getPort());
            Thread.currentThread().join(); // until killed
        } finally {
            group.shutdownGracefully();
        }
    }
}
