package org.tryaccept.linux.poller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.tryaccept.Accepted;
import org.tryaccept.Poller;
import org.tryaccept.ServerSockets;
import org.tryaccept.SocketIo;

/**
 * 10,000 connections accepted with tryAccept and served through a Poller (listener registered,
 * each connection registered, read, answered, closed), then the process has exactly the fds it had
 * before: nothing leaks per connection, per registration or per poll.
 */
class PollerFdLeakTest {
    private static final int CONNECTIONS = 10_000;
    private static final long LISTENER = -1;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tenThousandConnectionsServedLeaveNoFd() throws Exception {
        long before = Conn.openFds();
        ServerSocketChannel l = Conn.listener();
        Poller poller = Poller.open(64);
        ByteBuffer buf = ByteBuffer.allocateDirect(256);
        ByteBuffer answer = ByteBuffer.allocate(1);
        int served = 0;
        poller.add(l, Poller.READABLE, LISTENER);
        for (int i = 0; i < CONNECTIONS; i++) {
            try (SocketChannel client = SocketChannel.open(l.getLocalAddress())) {
                client.write(ByteBuffer.wrap(new byte[] {(byte) i}));
                boolean done = false;
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (!done && System.nanoTime() < deadline) {
                    int n = poller.poll(1_000);
                    for (int e = 0; e < n; e++) {
                        long token = poller.token(e);
                        if (token == LISTENER) {
                            Optional<Accepted> a;
                            while ((a = ServerSockets.tryAccept(l)).isPresent()) {
                                poller.add(a.get().fd(), Poller.READABLE, a.get().fd());
                            }
                        } else {
                            int fd = (int) token;
                            buf.clear();
                            int r = SocketIo.read(fd, buf);
                            if (r > 0) {
                                SocketIo.write(fd, buf.flip());
                                SocketIo.close(fd); // leaves the poller with it
                                served++;
                                done = true;
                            }
                        }
                    }
                }
                answer.clear();
                assertEquals(1, client.read(answer), "connection " + i + " was answered");
            }
        }
        poller.close();
        l.close();
        assertEquals(CONNECTIONS, served);
        assertEquals(before, Conn.openFds(), "fds before and after " + CONNECTIONS + " connections");
    }
}
