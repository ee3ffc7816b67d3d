package modulecheck;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSockets;
import org.tryaccept.internal.FfmProvider;

/**
 * Run in a forked JVM with the library on the module path (see ModulePathTest): prints the provider,
 * the fd access mode and one accepted peer. Lives outside org.tryaccept.linux so that it is not
 * shadowed by the named module's package.
 */
public final class ModulePathMain {
    public static void main(String[] args) throws Exception {
        try (ServerSocketChannel l = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            l.configureBlocking(false);
            System.out.println("module=" + ServerSockets.class.getModule().getName());
            System.out.println("provider=" + ServerSockets.provider().name());
            System.out.println("empty=" + ServerSockets.tryAccept(l).isEmpty());
            try (SocketChannel c = SocketChannel.open(l.getLocalAddress())) {
                Accepted a = null;
                for (int i = 0; i < 5_000 && a == null; i++) {
                    a = ServerSockets.tryAccept(l).orElse(null);
                    Thread.sleep(1);
                }
                System.out.println("peerMatches=" + (a != null && a.remoteAddress().equals(c.getLocalAddress())));
                if (a != null) {
                    a.close();
                }
            }
            System.out.println("fdAccess=" + fdAccessMode());
        }
    }

    private static String fdAccessMode() {
        // org.tryaccept.internal is not exported to this (unnamed) module on the module path;
        // read the mode only if reflection is allowed, else report "hidden".
        try {
            return ((FfmProvider) ServerSockets.provider()).fdAccessMode();
        } catch (IllegalAccessError | ClassCastException e) {
            return "hidden";
        }
    }
}
