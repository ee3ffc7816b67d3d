package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;
import static org.tryaccept.bsd.Expected.*;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tryaccept.internal.ErrnoTable;
import org.tryaccept.internal.Platform;
import org.tryaccept.spi.Errno;

/**
 * Every number the module uses, against {@link Expected} (transcribed from the FreeBSD and XNU headers).
 * Checked twice: the constants classes' fields, and the {@link Platform} records the providers
 * actually hand to the shared engine.
 */
class PlatformConstantsTest {

    private static void assertErrnoTable(Map<String, Integer> expected, ErrnoTable table) {
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertEquals(e.getValue(), table.number(Errno.valueOf(e.getKey())), table.os() + " " + e.getKey());
            assertEquals(e.getKey(), table.name(e.getValue()), table.os() + " errno " + e.getValue());
        }
        for (Errno name : Errno.values()) {
            if (table.has(name)) {
                assertTrue(expected.containsKey(name.name()), table.os() + " lists " + name + " ("
                        + table.number(name) + ") which the headers' transcription does not give");
            }
        }
    }

    @Test
    void freebsdErrnoTable() {
        assertErrnoTable(FREEBSD_ERRNO, FreeBsdConstants.ERRNO);
        assertFalse(FreeBsdConstants.ERRNO.has(Errno.ENONET), "ENONET is Linux only");
        assertEquals("EPROTO", FreeBsdConstants.ERRNO.name(92), "92 is EPROTO on FreeBSD (E2)");
    }

    @Test
    void macosErrnoTable() {
        assertErrnoTable(MACOS_ERRNO, MacOsConstants.ERRNO);
        assertEquals(102, MacOsConstants.ERRNO.number(Errno.EOPNOTSUPP));
        assertEquals(45, MacOsConstants.ERRNO.number(Errno.ENOTSUP));
        assertEquals("EPROTO", MacOsConstants.ERRNO.name(100), "100 is EPROTO on macOS (E2)");
    }

    @Test
    void freebsdFields() {
        assertEquals(AF_UNIX, FreeBsdConstants.AF_UNIX);
        assertEquals(AF_INET, FreeBsdConstants.AF_INET);
        assertEquals(FREEBSD_AF_INET6, FreeBsdConstants.AF_INET6);
        assertEquals(SOCK_STREAM, FreeBsdConstants.SOCK_STREAM);
        assertEquals(FREEBSD_SOCK_NONBLOCK, FreeBsdConstants.SOCK_NONBLOCK);
        assertEquals(FREEBSD_SOCK_CLOEXEC, FreeBsdConstants.SOCK_CLOEXEC);
        assertEquals(BSD_SOL_SOCKET, FreeBsdConstants.SOL_SOCKET);
        assertEquals(BSD_SO_ACCEPTCONN, FreeBsdConstants.SO_ACCEPTCONN);
        assertEquals(FREEBSD_SO_ACCEPTFILTER, FreeBsdConstants.SO_ACCEPTFILTER);
        assertEquals(BSD_SO_TYPE, FreeBsdConstants.SO_TYPE);
        assertEquals(IPPROTO_TCP, FreeBsdConstants.IPPROTO_TCP);
        assertEquals(FREEBSD_TCP_KEEPIDLE, FreeBsdConstants.TCP_KEEPIDLE);
        assertEquals(BSD_F_GETFD, FreeBsdConstants.F_GETFD);
        assertEquals(BSD_F_SETFD, FreeBsdConstants.F_SETFD);
        assertEquals(BSD_F_GETFL, FreeBsdConstants.F_GETFL);
        assertEquals(BSD_F_SETFL, FreeBsdConstants.F_SETFL);
        assertEquals(BSD_FD_CLOEXEC, FreeBsdConstants.FD_CLOEXEC);
        assertEquals(BSD_O_NONBLOCK, FreeBsdConstants.O_NONBLOCK);
        assertEquals(FREEBSD_F_DUPFD_CLOEXEC, FreeBsdConstants.F_DUPFD_CLOEXEC);
        assertEquals(BSD_POLLIN, FreeBsdConstants.POLLIN);
        assertEquals(SUN_PATH_SIZE, FreeBsdConstants.SUN_PATH_SIZE);
        // struct accept_filter_arg (FreeBSD sys/sys/socket.h)
        assertEquals(ACCEPT_FILTER_ARG_SIZE, FreeBsdConstants.ACCEPT_FILTER_ARG_SIZE);
        assertEquals(AF_NAME_OFFSET, FreeBsdConstants.AF_NAME_OFFSET);
        assertEquals(AF_NAME_SIZE, FreeBsdConstants.AF_NAME_SIZE);
        assertEquals(AF_ARG_OFFSET, FreeBsdConstants.AF_ARG_OFFSET);
        assertEquals(AF_ARG_SIZE, FreeBsdConstants.AF_ARG_SIZE);
        assertEquals(FreeBsdConstants.ACCEPT_FILTER_ARG_SIZE, FreeBsdConstants.AF_ARG_OFFSET + FreeBsdConstants.AF_ARG_SIZE);
    }

    @Test
    void macosFields() {
        assertEquals(AF_UNIX, MacOsConstants.AF_UNIX);
        assertEquals(AF_INET, MacOsConstants.AF_INET);
        assertEquals(MACOS_AF_INET6, MacOsConstants.AF_INET6);
        assertEquals(SOCK_STREAM, MacOsConstants.SOCK_STREAM);
        assertEquals(BSD_SOL_SOCKET, MacOsConstants.SOL_SOCKET);
        assertEquals(BSD_SO_ACCEPTCONN, MacOsConstants.SO_ACCEPTCONN);
        assertEquals(BSD_SO_TYPE, MacOsConstants.SO_TYPE);
        assertEquals(IPPROTO_TCP, MacOsConstants.IPPROTO_TCP);
        assertEquals(MACOS_TCP_KEEPALIVE, MacOsConstants.TCP_KEEPALIVE);
        assertEquals(BSD_F_GETFD, MacOsConstants.F_GETFD);
        assertEquals(BSD_F_SETFD, MacOsConstants.F_SETFD);
        assertEquals(BSD_F_GETFL, MacOsConstants.F_GETFL);
        assertEquals(BSD_F_SETFL, MacOsConstants.F_SETFL);
        assertEquals(BSD_FD_CLOEXEC, MacOsConstants.FD_CLOEXEC);
        assertEquals(BSD_O_NONBLOCK, MacOsConstants.O_NONBLOCK);
        assertEquals(MACOS_F_DUPFD_CLOEXEC, MacOsConstants.F_DUPFD_CLOEXEC);
        assertEquals(BSD_POLLIN, MacOsConstants.POLLIN);
        assertEquals(SUN_PATH_SIZE, MacOsConstants.SUN_PATH_SIZE);
    }

    private static void assertBsdPlatform(Platform p, int acceptFlags, int dupfd, int keepidle) {
        assertEquals(acceptFlags, p.accept().flags(), p.os() + " accept flags");
        assertEquals(dupfd, p.fcntl().fDupfdCloexec());
        assertEquals(BSD_F_GETFL, p.fcntl().fGetfl());
        assertEquals(BSD_F_SETFL, p.fcntl().fSetfl());
        assertEquals(BSD_F_GETFD, p.fcntl().fGetfd());
        assertEquals(BSD_F_SETFD, p.fcntl().fSetfd());
        assertEquals(BSD_FD_CLOEXEC, p.fcntl().fdCloexec());
        assertEquals(BSD_O_NONBLOCK, p.fcntl().oNonblock());
        assertEquals(BSD_SOL_SOCKET, p.discovery().solSocket());
        assertEquals(BSD_SO_ACCEPTCONN, p.discovery().soAcceptconn());
        assertEquals(BSD_SO_TYPE, p.discovery().soType());
        assertEquals(SOCK_STREAM, p.discovery().sockStream());
        assertEquals(IPPROTO_TCP, p.discovery().ipprotoTcp());
        assertEquals(keepidle, p.discovery().tcpKeepidle());
        assertEquals(BSD_POLLIN, p.poll().pollin());
        assertEquals(4, p.poll().nfdsBytes(), "nfds_t is unsigned int on the BSDs");
        assertEquals(35, p.eagain(), "EAGAIN is 35 on the BSDs");
        assertEquals(4, p.eintr());
        assertTrue(p.isGone(53), "ECONNABORTED (53) skips to the next connection");
        for (int linuxOnly : new int[] {11, 64, 71, 95, 100, 101, 103, 112, 113}) {
            // Linux's numbers for EAGAIN, ENONET, EPROTO, EOPNOTSUPP, ENETDOWN... mean nothing here.
            assertFalse(p.isGone(linuxOnly), p.os() + " must not treat Linux errno " + linuxOnly + " as gone");
        }
    }

    @Test
    void freebsdPlatformRecord() {
        Platform p = new FreeBsdServerSocketsProvider().createPlatform();
        assertBsdPlatform(p, FREEBSD_SOCK_NONBLOCK | FREEBSD_SOCK_CLOEXEC, FREEBSD_F_DUPFD_CLOEXEC, FREEBSD_TCP_KEEPIDLE);
        assertEquals("accept4", p.accept().call());
        assertEquals(0x30000000, p.accept().flags());
        assertSame(FreeBsdConstants.ERRNO, p.errno());
    }

    @Test
    void macosPlatformRecord() {
        Platform p = new MacOsServerSocketsProvider().createPlatform();
        assertBsdPlatform(p, -1, MACOS_F_DUPFD_CLOEXEC, MACOS_TCP_KEEPALIVE);
        assertEquals("accept", p.accept().call());
        assertFalse(p.accept().usesAccept4(), "macOS has no accept4");
        assertSame(MacOsConstants.ERRNO, p.errno());
    }
}
