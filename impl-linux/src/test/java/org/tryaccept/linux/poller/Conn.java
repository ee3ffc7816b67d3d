package org.tryaccept.linux.poller;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;
import org.tryaccept.SocketIo;

/**
 * A loopback connection for the poller tests: a JDK client channel and the server side as a raw fd
 * taken with {@code tryAccept}. Closing it closes both (the fd only if the test did not already).
 */
final class Conn implements AutoCloseable {
    final SocketChannel client;
    final int fd;
    private boolean fdClosed;

    private Conn(SocketChannel client, int fd) {
        this.client = client;
        this.fd = fd;
    }

    static ServerSocketChannel listener() throws IOException {
        ServerSocketChannel l = ServerSocketChannel.open();
        l.bind(new InetSocketAddress("127.0.0.1", 0), 128);
        l.configureBlocking(false);
        return l;
    }

    /** Connects to {@code l} and takes the connection with tryAccept (waits up to 5 s). */
    static Conn open(ServerSocketChannel l) throws IOException {
        SocketChannel c = SocketChannel.open(l.getLocalAddress());
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<Accepted> a = ServerSockets.tryAccept(l);
            if (a.isPresent()) {
                return new Conn(c, a.get().fd());
            }
            Thread.onSpinWait();
        }
        c.close();
        throw new AssertionError("no connection to accept within 5 s");
    }

    void send(String s) throws IOException {
        client.write(ByteBuffer.wrap(s.getBytes()));
    }

    /** Makes the client's close send RST instead of FIN. */
    void resetOnClose() throws IOException {
        client.setOption(StandardSocketOptions.SO_LINGER, 0);
    }

    void closeFd() throws IOException {
        if (!fdClosed) {
            fdClosed = true;
            SocketIo.close(fd);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            closeFd();
        } finally {
            client.close();
        }
    }

    static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
