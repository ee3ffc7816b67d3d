package org.tryaccept.linux.netns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The client side of the namespace tests, run inside the client namespace by {@link NsProcess}:
 * plain JDK SocketChannels that connect and then do exactly what the test says (often nothing: the
 * silent client of a health check or load-balancer probe).
 *
 * <p>Commands (answers {@code ok <command> key=value...}):
 * <ul>
 * <li>{@code connect NAME HOST PORT COUNT [PAUSE_MS]}: COUNT blocking connects (5 s timeout each, a
 *     pause after each if given); answers the
 *     monotonic time {@code t=} at which the first connect returned, {@code local=} (first local
 *     address) and the local {@code ports=}. HOST may carry a scope, {@code fe80::1%ifname}.</li>
 * <li>{@code send NAME TEXT}, {@code close NAME}: on every connection of the group.</li>
 * <li>{@code check NAME}: one non-blocking read per connection; answers the local ports grouped
 *     as {@code open=} (nothing to read), {@code data=}, {@code eof=}, {@code reset=} (ECONNRESET)
 *     and {@code error=}.</li>
 * </ul>
 */
public final class ClientAgent extends Agent {
    private final Map<String, List<SocketChannel>> groups = new HashMap<>();

    public static void main(String[] args) {
        new ClientAgent().run();
    }

    @Override
    String handle(String[] w) throws Exception {
        switch (w[0]) {
            case "connect": {
                InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(w[2]), Integer.parseInt(w[3]));
                List<SocketChannel> group = groups.computeIfAbsent(w[1], k -> new ArrayList<>());
                int count = Integer.parseInt(w[4]);
                long first = 0;
                StringJoiner ports = new StringJoiner(",");
                String local = null;
                for (int i = 0; i < count; i++) {
                    SocketChannel c = SocketChannel.open();
                    try {
                        c.socket().connect(to, 5000);
                    } catch (IOException e) {
                        c.close();
                        throw e;
                    }
                    if (i == 0) {
                        first = System.nanoTime();
                        local = c.getLocalAddress().toString();
                    }
                    group.add(c);
                    if (w.length > 5) {
                        sleep(Long.parseLong(w[5])); // paced: a stream of arrivals rather than a burst
                    }
                    ports.add(Integer.toString(((InetSocketAddress) c.getLocalAddress()).getPort()));
                }
                return "name=" + w[1] + " t=" + first + " local=" + local.replace(' ', '_') + " ports=" + ports;
            }
            case "send": {
                for (SocketChannel c : group(w[1])) {
                    c.write(ByteBuffer.wrap(w[2].getBytes(StandardCharsets.US_ASCII)));
                }
                return "name=" + w[1] + " t=" + System.nanoTime();
            }
            case "close": {
                for (SocketChannel c : group(w[1])) {
                    c.close();
                }
                return "name=" + w[1] + " t=" + System.nanoTime();
            }
            case "check": {
                Map<String, StringJoiner> by = new HashMap<>();
                for (String k : List.of("open", "data", "eof", "reset", "error")) {
                    by.put(k, new StringJoiner(",").setEmptyValue("-"));
                }
                for (SocketChannel c : group(w[1])) {
                    String port = Integer.toString(((InetSocketAddress) c.getLocalAddress()).getPort());
                    c.configureBlocking(false);
                    String kind;
                    try {
                        int n = c.read(ByteBuffer.allocate(64));
                        kind = n > 0 ? "data" : n == 0 ? "open" : "eof";
                    } catch (SocketException e) {
                        // the JDK reports ECONNRESET as "Connection reset"
                        kind = String.valueOf(e.getMessage()).contains("reset") ? "reset" : "error";
                    }
                    by.get(kind).add(port);
                }
                return "name=" + w[1] + " open=" + by.get("open") + " data=" + by.get("data") + " eof=" + by.get("eof")
                        + " reset=" + by.get("reset") + " error=" + by.get("error");
            }
            default:
                throw new IllegalArgumentException("unknown command " + w[0]);
        }
    }

    private List<SocketChannel> group(String name) {
        List<SocketChannel> g = groups.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no connections " + name);
        }
        return g;
    }

    @Override
    void cleanUp() {
        for (List<SocketChannel> g : groups.values()) {
            for (SocketChannel c : g) {
                try {
                    c.close();
                } catch (IOException e) {
                    // going away anyway
                }
            }
        }
    }
}
