import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayDeque;
import java.util.Optional;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.ServerSockets;

/**
 * A tiny HTTP/1.0 server: a Selector wakes up on OP_ACCEPT, tryAccept drains the queue, and with
 * TCP_DEFER_ACCEPT each request is read at once instead of waiting for a readiness event first.
 * Usage: java --enable-native-access=ALL-UNNAMED -cp <tryaccept jars> DeferredAcceptServer.java [port] [requests]
 */
public class DeferredAcceptServer {
    static final Linker C = Linker.nativeLinker();
    static final MethodHandle READ = C.downcallHandle(C.defaultLookup().find("read").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    static final MethodHandle WRITE = C.downcallHandle(C.defaultLookup().find("write").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    public static void main(String[] args) throws Throwable {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        long requests = args.length > 1 ? Long.parseLong(args[1]) : Long.MAX_VALUE;
        try (ServerSocketChannel listener = ServerSocketChannel.open();
             Selector selector = Selector.open();
             Arena arena = Arena.ofConfined()) {
            listener.bind(new InetSocketAddress("127.0.0.1", port), 1024);
            listener.configureBlocking(false);                  // tryAccept never blocks
            if (ServerSockets.supportedOptions(listener).contains(ServerSocketOptions.TCP_DEFER_ACCEPT)) {
                ServerSockets.setOption(listener, ServerSocketOptions.TCP_DEFER_ACCEPT, 5);
            }
            listener.register(selector, SelectionKey.OP_ACCEPT);
            System.out.println("listening on " + listener.getLocalAddress());

            MemorySegment in = arena.allocate(4096);
            MemorySegment reply = arena.allocateFrom("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
            ArrayDeque<Accepted> waiting = new ArrayDeque<>();
            long served = 0;
            while (served < requests) {
                selector.select(waiting.isEmpty() ? 0 : 10);
                selector.selectedKeys().clear();
                Optional<Accepted> next;
                while ((next = ServerSockets.tryAccept(listener)).isPresent()) { // empty, not an exception, when drained
                    waiting.add(next.get());
                }
                for (int i = waiting.size(); i > 0; i--) {
                    Accepted c = waiting.poll();
                    long n = (long) READ.invokeExact(c.fd(), in, in.byteSize());
                    if (n < 0) {            // EAGAIN (rare with deferral): a real server registers c.fd() with epoll
                        waiting.add(c);
                        continue;
                    }
                    long ignored = (long) WRITE.invokeExact(c.fd(), reply, reply.byteSize() - 1);
                    c.close();
                    served++;
                }
            }
        }
    }
}
