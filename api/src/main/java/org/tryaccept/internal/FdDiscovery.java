package org.tryaccept.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ThreadLocalRandom;
import jdk.net.ExtendedSocketOptions;
import org.tryaccept.spi.SockaddrCodec;

/**
 * Flag-free fd lookup: scans this process's fds for the listening stream socket whose local address
 * equals the channel's. Costs about 25 us once per listener (more with many open fds); the result is
 * cached per channel, and per thread for the channel used last, so the steady state is a field read.
 *
 * <p>When several listeners share the address ({@code SO_REUSEPORT}), the channel is marked with a
 * distinctive {@code TCP_KEEPIDLE} through the public option API, the marker is read natively, and the
 * original value is restored. ({@code SO_RCVBUF} would be simpler but locks the receive buffer of every
 * connection accepted later.)
 */
final class FdDiscovery extends FdAccess {
    private static final int SCAN_LIMIT = 65_536;

    private final Platform platform;
    private final Platform.Discovery d;
    private final Syscalls sys;
    /**
     * Shared by every instance: an fd number is a fact about the process, not about one provider. It is
     * also the lock under which discovery runs, see {@link #fdOf}.
     */
    private static final Map<ServerSocketChannel, Integer> CACHE = new WeakHashMap<>();
    private final ThreadLocal<Last> last = ThreadLocal.withInitial(Last::new);

    /** The channel this thread used last; a strong reference, replaced on the next different channel. */
    private static final class Last {
        ServerSocketChannel channel;
        int fd;
    }

    FdDiscovery(Platform platform, Syscalls sys) {
        this.platform = platform;
        this.d = platform.discovery();
        this.sys = sys;
    }

    @Override
    public String mode() {
        return "discovery";
    }

    @Override
    public int fdOf(ServerSocketChannel ch) throws IOException {
        Last l = last.get();
        if (l.channel == ch) {
            return l.fd;
        }
        int fd;
        synchronized (CACHE) {
            // Discovery runs under the lock: the library duplicates a channel's fd only after a lookup
            // has returned it, so while one thread scans, no transient duplicate of this channel exists
            // that the scan could mistake for a second listener on the same address.
            Integer known = CACHE.get(ch);
            fd = known != null ? known : discover(ch);
        }
        l.channel = ch;
        l.fd = fd;
        return fd;
    }

    private int discover(ServerSocketChannel ch) throws IOException {
        SocketAddress local = ch.getLocalAddress(); // ClosedChannelException if closed
        if (local == null) {
            throw new NotYetBoundException();
        }
        List<Integer> matches = new ArrayList<>(2);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(SockaddrCodec.CAPACITY, 8);
            MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
            for (int fd : candidates()) {
                if (sys.getsockoptInt(fd, d.solSocket(), d.soAcceptconn()) != 1
                        || sys.getsockoptInt(fd, d.solSocket(), d.soType()) != d.sockStream()) {
                    continue;
                }
                len.set(ValueLayout.JAVA_INT, 0, SockaddrCodec.CAPACITY);
                if (sys.getsockname(fd, sa, len) < 0) {
                    continue;
                }
                int n = Math.min(len.get(ValueLayout.JAVA_INT, 0), SockaddrCodec.CAPACITY);
                try {
                    if (local.equals(platform.codec().decode(sa, n))) {
                        matches.add(fd);
                    }
                } catch (java.net.SocketException notAnAddressWeKnow) {
                    // another family (e.g. a netlink socket): not ours
                }
            }
        }
        if (!ch.isOpen()) {
            // Closed during the scan: its socket may be missing from it, which is not a lookup failure.
            throw new ClosedChannelException();
        }
        int fd = matches.size() == 1 ? matches.get(0) : disambiguate(ch, local, matches);
        if (!ch.isOpen()) {
            throw new ClosedChannelException();
        }
        CACHE.put(ch, fd);
        return fd;
    }

    private int disambiguate(ServerSocketChannel ch, SocketAddress local, List<Integer> matches) throws IOException {
        if (matches.isEmpty()) {
            throw new IOException("tryaccept: found no listening socket for " + local
                    + "; add " + FLAG_HINT + " to read the fd directly");
        }
        if (local instanceof UnixDomainSocketAddress
                || !ch.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
            throw new IOException("tryaccept: " + matches.size() + " listening sockets share " + local
                    + " and cannot be told apart; add " + FLAG_HINT);
        }
        int original = ch.getOption(ExtendedSocketOptions.TCP_KEEPIDLE);
        int marker;
        do {
            marker = 20_000 + ThreadLocalRandom.current().nextInt(10_000);
        } while (marker == original);
        List<Integer> marked = new ArrayList<>(1);
        ch.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, marker);
        try {
            for (int fd : matches) {
                if (sys.getsockoptInt(fd, d.ipprotoTcp(), d.tcpKeepidle()) == marker) {
                    marked.add(fd);
                }
            }
        } finally {
            ch.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, original);
        }
        if (marked.size() != 1) {
            throw new IOException("tryaccept: could not tell " + matches.size() + " listeners on " + local
                    + " apart; add " + FLAG_HINT);
        }
        return marked.get(0);
    }

    /** fd numbers to look at: /proc/self/fd or /dev/fd when they list everything, else a plain scan. */
    private static List<Integer> candidates() throws IOException {
        for (String dir : new String[] {"/proc/self/fd", "/dev/fd"}) {
            Path p = Path.of(dir);
            if (!Files.isDirectory(p)) {
                continue;
            }
            List<Integer> fds = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
                for (Path e : entries) {
                    try {
                        fds.add(Integer.parseInt(e.getFileName().toString()));
                    } catch (NumberFormatException ignored) {
                        // "." or ".." on some systems
                    }
                }
            }
            if (fds.size() > 3) { // FreeBSD's /dev/fd shows only 0-2 unless fdescfs is mounted
                return fds;
            }
        }
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < SCAN_LIMIT; i++) {
            all.add(i);
        }
        return all;
    }
}
