package org.tryaccept.bench;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import org.tryaccept.ServerSockets;

/** Opens the listeners every row uses, the same way in both scenarios: 127.0.0.1, ephemeral port, backlog 4096. */
final class Listeners {
    static final int BACKLOG = 4096;
    /** JVM flags of the forks. Native access for FFM (library and bench) and for Netty's JNI library. */
    static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    static final String EXPORTS = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    /** The fastest fd-access mode (jdk-acceptlock): the accept path needs no duplicate of the listener's fd. */
    static final String OPENS = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

    private Listeners() {
    }

    static ServerSocketChannel jdk() throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), BACKLOG);
        ch.configureBlocking(false);
        return ch;
    }

    static int port(ServerSocketChannel ch) throws IOException {
        return ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }

    /** Netty's own native listener socket (JNI, accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC inside). */
    static Socket netty(Libc libc) throws IOException {
        Epoll.ensureAvailability();
        Socket s = Socket.newSocketStream();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        s.listen(BACKLOG);
        int flags = libc.fcntl(s.intValue(), Libc.F_GETFL, 0);
        if (flags < 0 || (flags & Libc.O_NONBLOCK) == 0) {
            // An accept on a blocking listener would hang the nothing-pending row for ever.
            throw new IllegalStateException("Netty listener is not non-blocking (flags " + flags + ")");
        }
        return s;
    }

    /**
     * The JDK's fd number of a channel, through sun.nio.ch (needs --add-exports java.base/sun.nio.ch).
     * Only for the bench's own use: a breakdown row and registering the churn server's listener with
     * epoll; nothing here closes the listener concurrently, so the number stays valid.
     */
    static int fdOf(java.nio.channels.Channel ch) {
        try {
            Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl");
            return (int) java.lang.invoke.MethodHandles.lookup()
                    .findVirtual(selCh, "getFDVal", java.lang.invoke.MethodType.methodType(int.class))
                    .invoke(ch);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot read the channel's fd; run with " + EXPORTS, t);
        }
    }

    /**
     * Makes sure the fork runs the fd-access mode the row claims: rows of different modes would otherwise
     * silently measure the same thing.
     *
     * @param expected "discovery", "jdk-internal" or "jdk-acceptlock"
     */
    static void checkMode(String expected) {
        String mode = ((org.tryaccept.internal.FfmProvider) ServerSockets.provider()).fdAccessMode();
        if (!mode.equals(expected)) {
            throw new IllegalStateException("this fork should run the " + expected + " fd-access mode, but runs " + mode
                    + " (flags: " + java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments() + ")");
        }
    }
}
