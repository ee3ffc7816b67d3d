package org.tryaccept.internal;

import java.lang.foreign.MemorySegment;

/**
 * {@link Syscalls} that pass every call to another instance. Fault-injection layers (tests, and
 * {@link FaultInjectingSyscalls} behind the SPI's {@code withFaults}) extend it and override only the calls they script.
 */
public class ForwardingSyscalls implements Syscalls {
    /** Where calls go; the C library unless given. */
    protected final Syscalls real;

    public ForwardingSyscalls(Syscalls real) {
        this.real = real;
    }

    @Override
    public int poll(int fd, int events) {
        return real.poll(fd, events);
    }

    @Override
    public int dupCloexec(int fd, int fDupfdCloexec) {
        return real.dupCloexec(fd, fDupfdCloexec);
    }

    @Override
    public int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        return real.accept4(fd, addr, addrlen, flags);
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
