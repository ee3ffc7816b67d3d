package com.example.outsider;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.SocketOption;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import org.tryaccept.ErrnoException;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.spi.FaultInjector;
import org.tryaccept.spi.ServerSocketsProvider;
import org.tryaccept.spi.SockaddrCodec;

/**
 * Deliberately broken providers, each a decorator of {@link OutsiderProvider} with one bug, for
 * {@link BrokenProvidersTest}: the kit has to report every one of them.
 */
final class BrokenProviders {
    private BrokenProviders() {
    }

    /** Passes everything to a working provider; subclasses break one thing. */
    abstract static class Forwarding extends ServerSocketsProvider {
        final ServerSocketsProvider delegate;

        Forwarding(ServerSocketsProvider delegate) {
            this.delegate = delegate;
        }

        /** @return the same bug around {@code d} (for {@link #withFaults}) */
        abstract Forwarding over(ServerSocketsProvider d);

        @Override public boolean isSupported() { return delegate.isSupported(); }
        @Override public String name() { return getClass().getSimpleName() + "(" + delegate.name() + ")"; }
        @Override public SockaddrCodec sockaddrCodec() { return delegate.sockaddrCodec(); }
        @Override public Set<SocketOption<?>> supportedOptions() { return delegate.supportedOptions(); }
        @Override public void close(int fd) throws IOException { delegate.close(fd); }
        @Override public ServerSocketsProvider withFaults(FaultInjector faults) { return over(delegate.withFaults(faults)); }

        @Override
        public int tryAccept(ServerSocketChannel l, MemorySegment peer, MemorySegment peerLength) throws IOException {
            return delegate.tryAccept(l, peer, peerLength);
        }

        @Override
        public <T> void setOption(ServerSocketChannel l, SocketOption<T> o, T v) throws IOException {
            delegate.setOption(l, o, v);
        }

        @Override
        public <T> T getOption(ServerSocketChannel l, SocketOption<T> o) throws IOException {
            return delegate.getOption(l, o);
        }
    }

    /** Nothing pending: throws an EAGAIN exception instead of returning -1. */
    static final class ThrowsOnEagain extends Forwarding {
        ThrowsOnEagain(ServerSocketsProvider d) { super(d); }
        @Override Forwarding over(ServerSocketsProvider d) { return new ThrowsOnEagain(d); }

        @Override
        public int tryAccept(ServerSocketChannel l, MemorySegment peer, MemorySegment peerLength) throws IOException {
            int fd = super.tryAccept(l, peer, peerLength);
            if (fd == -1) {
                throw new ErrnoException("accept4", 11, "EAGAIN", "Resource temporarily unavailable");
            }
            return fd;
        }
    }

    /** Keeps a duplicate of every accepted fd and never closes it (until {@link #release}, for the test JVM's sake). */
    static final class LeaksFd extends Forwarding {
        private static final List<Integer> LEAKED = new ArrayList<>();

        LeaksFd(ServerSocketsProvider d) { super(d); }
        @Override Forwarding over(ServerSocketsProvider d) { return new LeaksFd(d); }

        @Override
        public int tryAccept(ServerSocketChannel l, MemorySegment peer, MemorySegment peerLength) throws IOException {
            int fd = super.tryAccept(l, peer, peerLength);
            if (fd >= 0) {
                synchronized (LEAKED) {
                    LEAKED.add(dup(fd));
                }
            }
            return fd;
        }

        static int release() {
            synchronized (LEAKED) {
                int n = LEAKED.size();
                LEAKED.forEach(BrokenProviders::close);
                LEAKED.clear();
                return n;
            }
        }
    }

    /** Hands each connection out twice: the next call that finds nothing pending returns a copy of the last one. */
    static final class ReturnsTwice extends Forwarding {
        private int replayFd = -1;
        private final byte[] replayPeer = new byte[SockaddrCodec.CAPACITY];
        private int replayLength;

        ReturnsTwice(ServerSocketsProvider d) { super(d); }
        @Override Forwarding over(ServerSocketsProvider d) { return new ReturnsTwice(d); }

        @Override
        public synchronized int tryAccept(ServerSocketChannel l, MemorySegment peer, MemorySegment peerLength)
                throws IOException {
            int fd = super.tryAccept(l, peer, peerLength);
            if (fd >= 0) {
                if (replayFd >= 0) {
                    BrokenProviders.close(replayFd);
                }
                replayFd = dup(fd);
                replayLength = peerLength.get(JAVA_INT, 0);
                MemorySegment.copy(peer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, replayPeer, 0, SockaddrCodec.CAPACITY);
                return fd;
            }
            if (replayFd >= 0) {
                MemorySegment.copy(replayPeer, 0, peer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, SockaddrCodec.CAPACITY);
                peerLength.set(JAVA_INT, 0, replayLength);
                int again = replayFd;
                replayFd = -1;
                return again;
            }
            return -1;
        }

        synchronized void release() {
            if (replayFd >= 0) {
                BrokenProviders.close(replayFd);
                replayFd = -1;
            }
        }
    }

    /**
     * Claims TCP_DEFER_ACCEPT but never sets it: setOption checks its argument and only remembers the
     * value, getOption answers it, so only the kernel's behaviour can tell.
     */
    static final class IgnoresDeferral extends Forwarding {
        private final Map<ServerSocketChannel, Integer> remembered = new WeakHashMap<>();

        IgnoresDeferral(ServerSocketsProvider d) { super(d); }
        @Override Forwarding over(ServerSocketsProvider d) { return new IgnoresDeferral(d); }

        @Override
        public synchronized <T> void setOption(ServerSocketChannel l, SocketOption<T> o, T v) throws IOException {
            if (o != ServerSocketOptions.TCP_DEFER_ACCEPT) {
                super.setOption(l, o, v);
                return;
            }
            int seconds = (Integer) Objects.requireNonNull(v);
            if (seconds < 0) {
                throw new IllegalArgumentException("negative: " + seconds);
            }
            remembered.put(l, seconds);
        }

        @Override
        public synchronized <T> T getOption(ServerSocketChannel l, SocketOption<T> o) throws IOException {
            if (o != ServerSocketOptions.TCP_DEFER_ACCEPT) {
                return super.getOption(l, o);
            }
            return o.type().cast(remembered.getOrDefault(l, 0));
        }
    }

    // dup(2) and close(2), for the bugs above only.
    private static final Linker LINKER = Linker.nativeLinker();
    @SuppressWarnings("restricted")
    private static final MethodHandle DUP = LINKER.downcallHandle(LINKER.defaultLookup().find("dup").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    @SuppressWarnings("restricted")
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    static int dup(int fd) {
        try {
            int d = (int) DUP.invokeExact(fd);
            if (d < 0) {
                throw new IllegalStateException("dup(" + fd + ") failed");
            }
            return d;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void close(int fd) {
        try {
            int r = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

}
