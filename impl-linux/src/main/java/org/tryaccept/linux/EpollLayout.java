package org.tryaccept.linux;

/**
 * {@code struct epoll_event} ({@code <sys/epoll.h>}): {@code uint32_t events; epoll_data_t data;}.
 * glibc declares it {@code __EPOLL_PACKED} on x86_64 only (12 bytes, data at offset 4); elsewhere it
 * has natural alignment (16 bytes, data at offset 8). Checked with gcc on x86_64 here.
 */
final class EpollLayout {
    private static final boolean PACKED = System.getProperty("os.arch").equals("amd64")
            || System.getProperty("os.arch").equals("x86_64");

    static final int EVENT_SIZE = PACKED ? 12 : 16;
    static final int EVENTS_OFFSET = 0;
    static final int DATA_OFFSET = PACKED ? 4 : 8;

    private EpollLayout() {
    }
}
