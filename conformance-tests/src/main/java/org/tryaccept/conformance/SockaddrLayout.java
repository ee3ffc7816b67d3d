package org.tryaccept.conformance;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * How one OS lays out {@code struct sockaddr_*}, to write byte fixtures for a codec under test (the
 * kit's independent encoder, so a codec is never checked against itself). Values come from
 * each OS's {@code <sys/socket.h>} and {@code <sys/un.h>}; the implementer supplies them.
 *
 * <pre>{@code
 * SockaddrLayout linux = new SockaddrLayout(false, 1, 2, 10, 108);
 * SockaddrLayout freebsd = new SockaddrLayout(true, 1, 2, 28, 104);
 * }</pre>
 *
 * @param bsd         true for the BSD layout: a length byte at 0 and a u8 family at 1; false for a
 *                    native-order u16 family at 0
 * @param afUnix      AF_UNIX
 * @param afInet      AF_INET
 * @param afInet6     AF_INET6
 * @param sunPathSize size of {@code sun_path}
 *
 * @since 0.1
 */
public record SockaddrLayout(boolean bsd, int afUnix, int afInet, int afInet6, int sunPathSize) {

    /** @return a 128-byte native segment holding {@code sockaddr_in} */
    public MemorySegment inet(byte[] address4, int port) {
        ByteBuffer b = header(16, afInet);
        b.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) port);
        b.put(4, address4);
        return toSegment(b);
    }

    /** @return a 128-byte native segment holding {@code sockaddr_in6} */
    public MemorySegment inet6(byte[] address16, int port, int flowInfo, int scopeId) {
        ByteBuffer b = header(28, afInet6);
        b.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) port).putInt(4, flowInfo);
        b.put(8, address16);
        b.order(ByteOrder.nativeOrder()).putInt(24, scopeId);
        return toSegment(b);
    }

    /** @return a 128-byte native segment holding {@code sockaddr_un} with a NUL-terminated path */
    public MemorySegment unix(byte[] path) {
        ByteBuffer b = header(2 + path.length + 1, afUnix);
        b.put(2, path);
        return toSegment(b);
    }

    /** @return the address length the kernel reports for a path of {@code pathLength} bytes */
    public int unixLength(int pathLength) {
        return 2 + pathLength + 1;
    }

    private ByteBuffer header(int length, int family) {
        ByteBuffer b = ByteBuffer.allocate(128);
        if (bsd) {
            b.put(0, (byte) length).put(1, (byte) family);
        } else {
            b.order(ByteOrder.nativeOrder()).putShort(0, (short) family);
        }
        return b;
    }

    private static MemorySegment toSegment(ByteBuffer b) {
        MemorySegment s = Arena.ofAuto().allocate(128, 8);
        s.copyFrom(MemorySegment.ofArray(b.array()));
        return s;
    }
}
