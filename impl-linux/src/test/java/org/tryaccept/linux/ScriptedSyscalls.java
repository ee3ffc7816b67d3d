package org.tryaccept.linux;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Deque;
import org.tryaccept.internal.ForwardingSyscalls;

/**
 * Real system calls, except that queued results replace the next accept4 / dup / poll: a queued
 * {@code -errno} is returned instead of calling the kernel, as if the kernel had failed there.
 */
final class ScriptedSyscalls extends ForwardingSyscalls {
    ScriptedSyscalls() {
        super(TestProviders.libc());
    }

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








}
