package org.tryaccept.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** fds from tryAccept adopted by Netty (new EpollSocketChannel(fd)) answer HTTP through a Netty handler. */
class NettyHandoffTest {

    @Test
    void nettyAnswersOnAnAdoptedFdAndClosesIt() throws Exception {
        assertTrue(Epoll.isAvailable(), () -> "Netty's native epoll must load: " + Epoll.unavailabilityCause());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        List<NettyHandoff.HelloHandler> handlers = new ArrayList<>();
        try (NettyHandoff handoff = NettyHandoff.start(new InetSocketAddress("127.0.0.1", 0), group, () -> {
            NettyHandoff.HelloHandler h = new NettyHandoff.HelloHandler();
            synchronized (handlers) {
                handlers.add(h);
            }
            return h;
        })) {
            int port = handoff.localAddress().getPort();
            long fdsBefore = openFds();

            try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build()) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals("Hello, world\n", r.body());
            }

            // Raw clients: the peer address Netty reports is the client's own, and the reply ends with a close.
            for (int i = 0; i < 50; i++) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(10_000);
                    OutputStream o = s.getOutputStream();
                    o.write("GET / HTTP/1.1\r\nHost: t\r\n".getBytes(StandardCharsets.US_ASCII));
                    o.write("\r\n".getBytes(StandardCharsets.US_ASCII)); // the head in two pieces
                    String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    assertTrue(reply.startsWith("HTTP/1.1 200 OK\r\n") && reply.endsWith("Hello, world\n"), reply);
                    InetSocketAddress me = (InetSocketAddress) s.getLocalSocketAddress();
                    NettyHandoff.HelloHandler h;
                    synchronized (handlers) {
                        h = handlers.get(handlers.size() - 1);
                    }
                    InetSocketAddress seen = (InetSocketAddress) h.remoteSeenByNetty;
                    assertEquals(me.getPort(), seen.getPort());
                    assertEquals(me.getAddress(), seen.getAddress());
                }
            }
            assertEquals(51, handlers.size(), "one adopted channel per connection");

            // Netty closed every adopted fd: the count returns to where it was (HttpClient's own fds are gone too).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (openFds() > fdsBefore + 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(openFds() <= fdsBefore + 2, "fds before " + fdsBefore + ", after " + openFds());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
