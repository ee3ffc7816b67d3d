package org.tryaccept.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import org.tryaccept.ServerSockets;
import org.tryaccept.internal.FdAccess;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.LibcSyscalls;
import org.tryaccept.internal.Platform;
import org.tryaccept.internal.Syscalls;
import org.tryaccept.spi.ServerSocketsProvider;
import org.tryaccept.spi.SockaddrCodec;

/**
 * What this module's tests (in several packages) need from the provider beyond the SPI: a provider over
 * scripted system calls (the constructor is package-private), the real calls, and the running provider's
 * modes.
 */
public final class TestProviders {
    private TestProviders() {
    }

    /** @return a Linux provider over {@code sys}; {@code fds} null for the provider's own choice */
    public static LinuxServerSocketsProvider linux(Syscalls sys, FdAccess fds) {
        return new LinuxServerSocketsProvider(sys, fds);
    }

    /** @return the real C library calls, in Linux numbers */
    public static LibcSyscalls libc() {
        return new LibcSyscalls(LinuxConstants.platform().poll());
    }

    public static Platform platform() {
        return LinuxConstants.platform();
    }

    /** @return the provider {@link ServerSockets} uses, as this repository's FFM provider */
    public static FfmProvider running() {
        return (FfmProvider) ServerSockets.provider();
    }

    /** @return "jdk-acceptlock", "jdk-internal" or "discovery", as the running provider reads channel fds */
    public static String fdAccessMode() {
        return running().fdAccessMode();
    }

    /** @return the JDK's fd number of {@code ch} (read only: never act on it) */
    public static int fdOf(ServerSocketChannel ch) throws IOException {
        return FdAccess.of(accessName(), platform(), libc()).fdOf(ch);
    }

    /** @return the {@link FdAccess#of} name of the mode this surefire execution runs in */
    public static String accessName() {
        return switch (System.getProperty("tryaccept.test.expectedFdAccess", "discovery")) {
            case "jdk-acceptlock" -> "acceptlock";
            case "jdk-internal" -> "jdk";
            default -> "discovery";
        };
    }

    /** @return the JVM flags that give a child JVM the fd-access mode of this surefire execution */
    public static java.util.List<String> modeFlags() {
        return switch (System.getProperty("tryaccept.test.expectedFdAccess", "discovery")) {
            case "jdk-acceptlock" -> java.util.List.of("--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED");
            case "jdk-internal" -> java.util.List.of("--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED");
            default -> java.util.List.of();
        };
    }

    /** A provider call's result, decoded with the provider's codec: the SPI seen from a test. */
    public static final class Peer {
        private final MemorySegment sa = Arena.ofAuto().allocate(SockaddrCodec.CAPACITY, 8);
        private final MemorySegment len = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
        private ServerSocketsProvider provider;
        private int fd = -1;

        /** @return true when {@code provider} accepted a connection into this peer */
        public boolean take(ServerSocketsProvider provider, ServerSocketChannel listener) throws IOException {
            this.provider = provider;
            fd = provider.tryAccept(listener, sa, len);
            return fd >= 0;
        }

        public int fd() {
            return fd;
        }

        public SocketAddress remoteAddress() throws IOException {
            return provider.sockaddrCodec().decode(sa, Math.min(len.get(ValueLayout.JAVA_INT, 0), SockaddrCodec.CAPACITY));
        }
    }
}
