package org.tryaccept.linux.netns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.ServerSockets;

/**
 * The server side of the namespace tests, run inside the server namespace by {@link NsProcess}. It
 * holds named listeners and accepts from them only through the library's public API (and, for the
 * comparison, the JDK's own {@code accept()}); every timing is taken here, in the process that polls.
 *
 * <p>Commands (one per line; answers {@code ok <command> key=value...}):
 * <ul>
 * <li>{@code listen NAME HOST PORT DEFER REUSEPORT(0|1)}: bind (backlog 512: a test that queues hundreds must not overflow it), non-blocking; DEFER > 0
 *     sets TCP_DEFER_ACCEPT. Answers {@code port=} and the kernel's read-back {@code defer=}.</li>
 * <li>{@code watch TIMEOUT_MS POLL_MS NAME...}: polls each listener with {@code tryAccept} every
 *     POLL_MS until each has handed out one connection; per connection an event with the monotonic
 *     time {@code t=} (System.nanoTime, CLOCK_MONOTONIC on Linux, shared by all processes), the result
 *     of one immediate non-blocking {@code read=} and the peer address.</li>
 * <li>{@code bufaccept NAME TIMEOUT_MS}, {@code jdkaccept NAME TIMEOUT_MS}: one connection through
 *     {@code tryAccept(listener, AcceptBuffer)} or the JDK's {@code accept()}.</li>
 * <li>{@code drain TIMEOUT_MS EXPECTED NAME...}: tryAccept from the listeners until EXPECTED
 *     connections came (EXPECTED -1: until one pass finds all of them empty); answers {@code ports=}.</li>
 * <li>{@code drainclose NAME}: tryAccept from the listener until it is empty, then close it.</li>
 * <li>{@code read NAME TIMEOUT_MS}: polls the last connection of NAME until a read gives data or EOF.</li>
 * <li>{@code close NAME}: closes the listener without accepting what is queued on it.</li>
 * <li>{@code sysctl KEY VALUE|?}: reads (and writes) /proc/sys/KEY of this namespace.</li>
 * <li>{@code ifindex IFNAME}.</li>
 * </ul>
 */
public final class ServerAgent extends Agent {
    private final Map<String, ServerSocketChannel> listeners = new HashMap<>();
    /** Accepted connections per listener name: raw fds from tryAccept, SocketChannels from the JDK. */
    private final Map<String, List<Integer>> fds = new HashMap<>();
    private final List<SocketChannel> jdkAccepted = new ArrayList<>();

    public static void main(String[] args) {
        new ServerAgent().run();
    }

    @Override
    String handle(String[] w) throws Exception {
        switch (w[0]) {
            case "listen": {
                ServerSocketChannel l = ServerSocketChannel.open();
                try {
                    if (w[5].equals("1")) {
                        l.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                    }
                    l.bind(new InetSocketAddress(InetAddress.getByName(w[2]), Integer.parseInt(w[3])), 512);
                    l.configureBlocking(false);
                    int defer = Integer.parseInt(w[4]);
                    if (defer > 0) {
                        ServerSockets.setOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT, defer);
                    }
                } catch (Exception e) {
                    l.close();
                    throw e;
                }
                listeners.put(w[1], l);
                return "name=" + w[1] + " port=" + ((InetSocketAddress) l.getLocalAddress()).getPort() + " defer="
                        + ServerSockets.getOption(l, ServerSocketOptions.TCP_DEFER_ACCEPT);
            }
            case "watch": {
                long deadline = System.nanoTime() + Long.parseLong(w[1]) * 1_000_000L;
                long poll = Long.parseLong(w[2]);
                Map<String, ServerSocketChannel> waiting = new LinkedHashMap<>();
                for (String name : Arrays.copyOfRange(w, 3, w.length)) {
                    waiting.put(name, listener(name));
                }
                while (!waiting.isEmpty() && System.nanoTime() < deadline) {
                    for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
                        var e = it.next();
                        Optional<Accepted> a = ServerSockets.tryAccept(e.getValue());
                        if (a.isPresent()) {
                            long t = System.nanoTime();
                            int fd = a.get().fd();
                            String read = readOnce(fd); // what a server that reads at once gets
                            keep(e.getKey(), fd);
                            event("accepted name=" + e.getKey() + " via=optional t=" + t + " read=" + read + " "
                                    + describe(a.get().remoteAddress()));
                            it.remove();
                        }
                    }
                    sleep(poll);
                }
                return "pending=" + (waiting.isEmpty() ? "-" : String.join(",", waiting.keySet()));
            }
            case "bufaccept": {
                ServerSocketChannel l = listener(w[1]);
                AcceptBuffer buf = new AcceptBuffer();
                long deadline = System.nanoTime() + Long.parseLong(w[2]) * 1_000_000L;
                while (!ServerSockets.tryAccept(l, buf)) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("nothing to accept on " + w[1]);
                    }
                    sleep(10);
                }
                keep(w[1], buf.fd());
                return "name=" + w[1] + " via=buffer bufscope=" + buf.scopeId() + " " + describe(buf.remoteAddress());
            }
            case "jdkaccept": {
                ServerSocketChannel l = listener(w[1]);
                long deadline = System.nanoTime() + Long.parseLong(w[2]) * 1_000_000L;
                SocketChannel c;
                while ((c = l.accept()) == null) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("nothing to accept on " + w[1]);
                    }
                    sleep(10);
                }
                jdkAccepted.add(c);
                return "name=" + w[1] + " via=jdk " + describe(c.getRemoteAddress());
            }
            case "drain": {
                long deadline = System.nanoTime() + Long.parseLong(w[1]) * 1_000_000L;
                int expected = Integer.parseInt(w[2]);
                StringJoiner ports = new StringJoiner(",");
                int n = 0;
                while (System.nanoTime() < deadline && (expected < 0 || n < expected)) {
                    boolean any = false;
                    for (String name : Arrays.copyOfRange(w, 3, w.length)) {
                        Optional<Accepted> a;
                        while ((a = ServerSockets.tryAccept(listener(name))).isPresent()) {
                            keep(name, a.get().fd());
                            ports.add(Integer.toString(((InetSocketAddress) a.get().remoteAddress()).getPort()));
                            n++;
                            any = true;
                        }
                    }
                    if (expected < 0 && !any) {
                        break;
                    }
                    sleep(10);
                }
                return "n=" + n + " ports=" + (n == 0 ? "-" : ports);
            }
            case "drainclose": {
                // The shutdown order in one step, to keep the window small: tryAccept until empty, close.
                ServerSocketChannel l = listener(w[1]);
                StringJoiner ports = new StringJoiner(",").setEmptyValue("-");
                Optional<Accepted> a;
                while ((a = ServerSockets.tryAccept(l)).isPresent()) {
                    keep(w[1], a.get().fd());
                    ports.add(Integer.toString(((InetSocketAddress) a.get().remoteAddress()).getPort()));
                }
                l.close();
                listeners.remove(w[1]);
                return "name=" + w[1] + " ports=" + ports;
            }
            case "read": {
                List<Integer> mine = fds.get(w[1]);
                int fd = mine.get(mine.size() - 1);
                long deadline = System.nanoTime() + Long.parseLong(w[2]) * 1_000_000L;
                String r;
                while ((r = readOnce(fd)).equals("EAGAIN") && System.nanoTime() < deadline) {
                    sleep(10);
                }
                return "name=" + w[1] + " read=" + r;
            }
            case "close": {
                listener(w[1]).close();
                listeners.remove(w[1]);
                return "name=" + w[1];
            }
            case "sysctl": {
                Path p = Path.of("/proc/sys", w[1].replace('.', '/'));
                if (!Files.exists(p)) {
                    return "key=" + w[1] + " exists=false";
                }
                String old = Files.readString(p).strip();
                if (!w[2].equals("?")) {
                    Files.writeString(p, w[2] + "\n");
                }
                return "key=" + w[1] + " exists=true old=" + old + " now=" + Files.readString(p).strip();
            }
            case "ifindex":
                return "name=" + w[1] + " index=" + NetworkInterface.getByName(w[1]).getIndex();
            default:
                throw new IllegalArgumentException("unknown command " + w[0]);
        }
    }

    private ServerSocketChannel listener(String name) {
        ServerSocketChannel l = listeners.get(name);
        if (l == null) {
            throw new IllegalArgumentException("no listener " + name);
        }
        return l;
    }

    private void keep(String name, int fd) {
        fds.computeIfAbsent(name, k -> new ArrayList<>()).add(fd);
    }

    @Override
    void cleanUp() {
        fds.values().forEach(l -> l.forEach(Agent::closeFd));
        for (var c : jdkAccepted) {
            try {
                c.close();
            } catch (Exception e) {
                // going away anyway
            }
        }
        for (var l : listeners.values()) {
            try {
                l.close();
            } catch (Exception e) {
                // going away anyway
            }
        }
    }
}
