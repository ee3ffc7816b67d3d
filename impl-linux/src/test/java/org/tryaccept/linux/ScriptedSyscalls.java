package org.tryaccept.linux;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import org.tryaccept.internal.LibcSyscalls;
import org.tryaccept.internal.Syscalls;

/**
 * Real system calls, except that queued results replace the next accept4 / dup / poll: a queued
 * {@code -errno} is returned instead of calling the kernel, as if the kernel had failed there.
 */
final class ScriptedSyscalls implements Syscalls {
    private final Syscalls real = LibcSyscalls.INSTANCE;
    final Deque<Integer> accept4Results = new ArrayDeque<>();
    final Deque<Integer> dupResults = new ArrayDeque<>();
    /** Corrupts the family of the next successful accept's address, to fail decoding after accept. */
    volatile boolean corruptNextAddress;
    volatile int acceptCalls;
    volatile int pollCalls;

    @Override
    public int poll(int fd, int events) {
        pollCalls++;
        return real.poll(fd, events);
    }

    @Override
    public int dupCloexec(int fd, int cmd) {
        Integer scripted = dupResults.poll();
        return scripted != null ? scripted : real.dupCloexec(fd, cmd);
    }

    @Override
    public int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        acceptCalls++;
        Integer scripted = accept4Results.poll();
        if (scripted != null) {
            return scripted;
        }
        int r = real.accept4(fd, addr, addrlen, flags);
        if (r >= 0 && corruptNextAddress) {
            corruptNextAddress = false;
            addr.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) 0x7777);
        }
        return r;
    }

    @Override
    public int accept(int fd, MemorySegment addr, MemorySegment addrlen) {
        return real.accept(fd, addr, addrlen);
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        return real.fcntl(fd, cmd, arg);
    }

    @Override
    public int close(int fd) {
        return real.close(fd);
    }

    @Override
    public int setsockoptInt(int fd, int level, int name, int value) {
        return real.setsockoptInt(fd, level, name, value);
    }

    @Override
    public int getsockoptInt(int fd, int level, int name) {
        return real.getsockoptInt(fd, level, name);
    }

    @Override
    public int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        return real.setsockopt(fd, level, name, value, length);
    }

    @Override
    public int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        return real.getsockopt(fd, level, name, value, length);
    }

    @Override
    public int getsockname(int fd, MemorySegment addr, MemorySegment addrlen) {
        return real.getsockname(fd, addr, addrlen);
    }
}
