package org.tryaccept.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A non-blocking loopback listener and the clients connected to it, closed together. Unix-domain
 * listeners live in their own temporary directory, deleted on close.
 *
 * <pre>{@code
 * try (LoopbackListener l = LoopbackListener.open(ListenerKind.IPV4, 128)) {
 *     SocketChannel client = l.connect();
 *     // new Acceptor(provider).tryOnce(l.channel()) ...
 * }
 * }</pre>
 *
 * @since 0.1
 */
public final class LoopbackListener implements AutoCloseable {
    private final ListenerKind kind;
    private final ServerSocketChannel channel;
    private final Path directory;
    private final List<SocketChannel> clients = new ArrayList<>();

    private LoopbackListener(ListenerKind kind, ServerSocketChannel channel, Path directory) {
        this.kind = kind;
        this.channel = channel;
        this.directory = directory;
    }

    /** Opens, binds (with the given backlog) and makes non-blocking a listener of the given kind. */
    public static LoopbackListener open(ListenerKind kind, int backlog) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(kind.family());
        Path dir = null;
        try {
            if (kind == ListenerKind.UNIX) {
                dir = Files.createTempDirectory("tryaccept-kit");
                ch.bind(UnixDomainSocketAddress.of(dir.resolve("l.sock")), backlog);
            } else {
                ch.bind(kind.bindAddress(), backlog);
            }
            ch.configureBlocking(false);
            return new LoopbackListener(kind, ch, dir);
        } catch (IOException | RuntimeException e) {
            ch.close();
            deleteDirectory(dir);
            throw e;
        }
    }

    public ListenerKind kind() {
        return kind;
    }

    public ServerSocketChannel channel() {
        return channel;
    }

    /** @return the address clients connect to */
    public SocketAddress connectAddress() throws IOException {
        SocketAddress local = channel.getLocalAddress();
        return local instanceof InetSocketAddress inet ? kind.connectAddress(inet.getPort()) : local;
    }

    /** Connects a new blocking client; on loopback the handshake is complete when this returns. */
    public SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(kind.family() == java.net.StandardProtocolFamily.UNIX
                ? java.net.StandardProtocolFamily.UNIX : familyOf(connectAddress()));
        clients.add(c);
        c.connect(connectAddress());
        return c;
    }

    /** Connects a new client and sends {@code data} at once. */
    public SocketChannel connectAndSend(byte[] data) throws IOException {
        SocketChannel c = connect();
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            c.write(b);
        }
        return c;
    }

    /** Sends {@code data} on a client of this listener. */
    public static void send(SocketChannel client, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
            client.write(b);
        }
    }

    /** Connects a new client and closes it with {@code SO_LINGER 0}, which sends a reset (TCP only). */
    public SocketChannel connectAndReset() throws IOException {
        SocketChannel c = connect();
        c.setOption(StandardSocketOptions.SO_LINGER, 0);
        c.close();
        return c;
    }

    /**
     * Waits until the listener has a connection queued (a JDK {@code Selector} says so), for at most
     * {@code timeout}: loopback connections reach the accept queue a moment after {@code connect}.
     *
     * @throws AssertionError if none showed up in time
     */
    public void awaitPending(java.time.Duration timeout) throws IOException {
        try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
            java.nio.channels.SelectionKey key = channel.register(selector, java.nio.channels.SelectionKey.OP_ACCEPT);
            try {
                if (selector.select(Math.max(1, timeout.toMillis())) == 0) {
                    throw new AssertionError("no connection reached the accept queue of " + this + " within " + timeout);
                }
            } finally {
                key.cancel();
                selector.selectNow(); // deregisters, so the channel can go back to blocking mode if a test wants
            }
        }
    }

    /** @return every client connected so far, in order */
    public List<SocketChannel> clients() {
        return clients;
    }

    private static java.net.ProtocolFamily familyOf(SocketAddress a) {
        return a instanceof InetSocketAddress inet && inet.getAddress() instanceof java.net.Inet6Address
                ? java.net.StandardProtocolFamily.INET6 : java.net.StandardProtocolFamily.INET;
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (SocketChannel c : clients) {
            try {
                c.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        clients.clear();
        try {
            channel.close();
        } finally {
            deleteDirectory(directory);
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return kind.name();
    }

    private static void deleteDirectory(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
