package org.tryaccept.bsd;

import java.lang.foreign.MemorySegment;

/**
 * Forwards to {@link BsdSocketIo.Libc}, loading it (and binding its functions) only on the first
 * call, so that creating a provider on another OS binds nothing.
 */
final class LazyLibcIo implements BsdSocketIo.Calls {
    static final LazyLibcIo INSTANCE = new LazyLibcIo();

    private LazyLibcIo() {
    }

    @Override
    public long read(int fd, MemorySegment buf, long len) {
        return BsdSocketIo.Libc.INSTANCE.read(fd, buf, len);
    }

    @Override
    public long send(int fd, MemorySegment buf, long len, int flags) {
        return BsdSocketIo.Libc.INSTANCE.send(fd, buf, len, flags);
    }

    @Override
    public int shutdown(int fd, int how) {
        return BsdSocketIo.Libc.INSTANCE.shutdown(fd, how);
    }

    @Override
    public int setsockoptInt(int fd, int level, int name, int value) {
        return BsdSocketIo.Libc.INSTANCE.setsockoptInt(fd, level, name, value);
    }
}
