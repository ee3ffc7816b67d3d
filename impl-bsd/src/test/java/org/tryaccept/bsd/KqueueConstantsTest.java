package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;
import static org.tryaccept.bsd.Expected.*;

import org.junit.jupiter.api.Test;
import org.tryaccept.spi.Errno;

/**
 * The kqueue and socket-I/O numbers and the struct kevent layouts, against {@link Expected} (transcribed
 * by hand from FreeBSD sys/sys/event.h, XNU bsd/sys/event.h, kqueue(2), send(2), the socket headers):
 * the constants classes' fields, and the {@link KqueueSpec}/{@link BsdIoSpec} records the providers use.
 */
class KqueueConstantsTest {

    @Test
    void freebsdFields() {
        assertEquals(EVFILT_READ, FreeBsdConstants.EVFILT_READ);
        assertEquals(EVFILT_WRITE, FreeBsdConstants.EVFILT_WRITE);
        assertEquals(FREEBSD_EVFILT_USER, FreeBsdConstants.EVFILT_USER);
        assertEquals(EV_ADD, FreeBsdConstants.EV_ADD);
        assertEquals(EV_DELETE, FreeBsdConstants.EV_DELETE);
        assertEquals(EV_DISABLE, FreeBsdConstants.EV_DISABLE);
        assertEquals(EV_ONESHOT, FreeBsdConstants.EV_ONESHOT);
        assertEquals(EV_CLEAR, FreeBsdConstants.EV_CLEAR);
        assertEquals(EV_RECEIPT, FreeBsdConstants.EV_RECEIPT);
        assertEquals(EV_ERROR, FreeBsdConstants.EV_ERROR);
        assertEquals(EV_EOF, FreeBsdConstants.EV_EOF);
        assertEquals(NOTE_TRIGGER, FreeBsdConstants.NOTE_TRIGGER);
        assertEquals(FREEBSD_KQUEUE_CLOEXEC, FreeBsdConstants.KQUEUE_CLOEXEC);
        assertEquals(FREEBSD_KEVENT_SIZE, FreeBsdConstants.KEVENT_SIZE);
        assertEquals(FREEBSD_MSG_NOSIGNAL, FreeBsdConstants.MSG_NOSIGNAL);
        assertEquals(SHUT_WR, FreeBsdConstants.SHUT_WR);
        assertEquals(17, FreeBsdConstants.EEXIST);
        assertEquals(32, FreeBsdConstants.EPIPE);
        assertEquals(57, FreeBsdConstants.ENOTCONN);
    }

    @Test
    void macosFields() {
        assertEquals(EVFILT_READ, MacOsConstants.EVFILT_READ);
        assertEquals(EVFILT_WRITE, MacOsConstants.EVFILT_WRITE);
        assertEquals(MACOS_EVFILT_USER, MacOsConstants.EVFILT_USER);
        assertEquals(EV_ADD, MacOsConstants.EV_ADD);
        assertEquals(EV_DELETE, MacOsConstants.EV_DELETE);
        assertEquals(EV_DISABLE, MacOsConstants.EV_DISABLE);
        assertEquals(EV_ONESHOT, MacOsConstants.EV_ONESHOT);
        assertEquals(EV_CLEAR, MacOsConstants.EV_CLEAR);
        assertEquals(EV_RECEIPT, MacOsConstants.EV_RECEIPT);
        assertEquals(EV_ERROR, MacOsConstants.EV_ERROR);
        assertEquals(EV_EOF, MacOsConstants.EV_EOF);
        assertEquals(NOTE_TRIGGER, MacOsConstants.NOTE_TRIGGER);
        assertEquals(MACOS_KEVENT_SIZE, MacOsConstants.KEVENT_SIZE);
        assertEquals(MACOS_SO_NOSIGPIPE, MacOsConstants.SO_NOSIGPIPE);
        assertEquals(SHUT_WR, MacOsConstants.SHUT_WR);
        assertEquals(17, MacOsConstants.EEXIST);
        assertEquals(32, MacOsConstants.EPIPE);
        assertEquals(57, MacOsConstants.ENOTCONN);
    }

    @Test
    void keventLayouts() {
        assertEquals(FREEBSD_KEVENT_SIZE, KeventLayout.FREEBSD.size);
        assertEquals(MACOS_KEVENT_SIZE, KeventLayout.MACOS.size);
        assertEquals(KEVENT_IDENT, KeventLayout.IDENT);
        assertEquals(KEVENT_FILTER, KeventLayout.FILTER);
        assertEquals(KEVENT_FLAGS, KeventLayout.FLAGS);
        assertEquals(KEVENT_FFLAGS, KeventLayout.FFLAGS);
        assertEquals(KEVENT_DATA, KeventLayout.DATA);
        assertEquals(KEVENT_UDATA, KeventLayout.UDATA);
        assertEquals(FREEBSD_KEVENT_EXT, KeventLayout.EXT);
        assertEquals(FREEBSD_KEVENT_EXT + 4 * 8, KeventLayout.FREEBSD.size, "ext[4] of uint64_t ends the FreeBSD struct");
        assertEquals(KEVENT_UDATA + 8, KeventLayout.MACOS.size, "udata ends the macOS struct");
    }

    private static void assertSpec(KqueueSpec k, short user, KeventLayout layout) {
        assertSame(layout, k.layout());
        assertEquals(EVFILT_READ, k.evfiltRead());
        assertEquals(EVFILT_WRITE, k.evfiltWrite());
        assertEquals(user, k.evfiltUser());
        assertEquals(EV_ADD, k.evAdd());
        assertEquals(EV_DELETE, k.evDelete());
        assertEquals(EV_DISABLE, k.evDisable());
        assertEquals(EV_ONESHOT, k.evOneshot());
        assertEquals(EV_CLEAR, k.evClear());
        assertEquals(EV_RECEIPT, k.evReceipt());
        assertEquals(EV_EOF, k.evEof());
        assertEquals(EV_ERROR, k.evError());
        assertEquals(NOTE_TRIGGER, k.noteTrigger());
        assertEquals(BSD_F_SETFD, k.fSetfd());
        assertEquals(BSD_FD_CLOEXEC, k.fdCloexec());
        assertEquals(2, k.enoent());
        assertEquals(17, k.eexist());
        assertEquals(4, k.eintr());
    }

    @Test
    void kqueueSpecs() {
        assertSpec(FreeBsdConstants.kqueue(false), FREEBSD_EVFILT_USER, KeventLayout.FREEBSD);
        assertTrue(FreeBsdConstants.kqueue(false).cloexecByFcntl(), "FreeBSD 13: kqueue() then fcntl(FD_CLOEXEC)");
        assertFalse(FreeBsdConstants.kqueue(true).cloexecByFcntl(), "kqueuex(KQUEUE_CLOEXEC) needs no fcntl");
        assertSame(FreeBsdConstants.ERRNO, FreeBsdConstants.kqueue(true).errno());
        assertSpec(MacOsConstants.kqueue(), MACOS_EVFILT_USER, KeventLayout.MACOS);
        assertFalse(MacOsConstants.kqueue().cloexecByFcntl(), "XNU kqueues are always close-on-exec");
        assertSame(MacOsConstants.ERRNO, MacOsConstants.kqueue().errno());
    }

    @Test
    void ioSpecs() {
        BsdIoSpec f = FreeBsdConstants.io();
        assertEquals(FREEBSD_MSG_NOSIGNAL, f.msgNosignal());
        assertEquals(0, f.soNosigpipe(), "FreeBSD uses MSG_NOSIGNAL, not a per-socket option");
        assertEquals(SHUT_WR, f.shutWr());
        assertEquals(35, f.eagain());
        BsdIoSpec m = MacOsConstants.io();
        assertEquals(0, m.msgNosignal(), "macOS: no MSG_NOSIGNAL (ignored before xnu-7195)");
        assertNotEquals(MACOS_MSG_NOSIGNAL, m.msgNosignal());
        assertEquals(BSD_SOL_SOCKET, m.solSocket());
        assertEquals(MACOS_SO_NOSIGPIPE, m.soNosigpipe());
        assertNotEquals(FREEBSD_SO_NOSIGPIPE, m.soNosigpipe());
        assertEquals(SHUT_WR, m.shutWr());
        assertEquals(35, m.eagain());
        assertEquals("EPIPE", m.errno().name(32));
        assertEquals(Errno.ENOTCONN, f.errno().symbol(57));
    }
}
