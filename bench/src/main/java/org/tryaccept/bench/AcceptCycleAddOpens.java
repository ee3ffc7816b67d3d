package org.tryaccept.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;

/**
 * The tryAccept rows of the accept cycle in the fastest fd-access mode (jdk-acceptlock: --add-opens, no
 * duplicate per accept), and the bare FFM accept4 row they are held to (DESIGN section 6): the same
 * client, then one accept4 downcall straight on the JDK listener's fd, no readiness check, no checks, no
 * locks; what a library could do at best that is not race-free.
 */
@Fork(jvmArgsAppend = {Listeners.NATIVE, Listeners.OPENS})
public class AcceptCycleAddOpens extends AcceptCycleBase {
    private int jdkFd;
    private MemorySegment peer;
    private MemorySegment peerLength;

    @Override
    protected String mode() {
        return "jdk-acceptlock";
    }

    @Override
    protected void openMore() throws IOException {
        jdkFd = Listeners.fdOf(listener);
        peer = arena.allocate(128, 8);
        peerLength = arena.allocate(4, 4);
    }

    @Benchmark
    public void ffmAccept4() {
        int c = client.connectOrThrow();
        int fd;
        while ((fd = client.accept4(jdkFd, peer, peerLength)) < 0) {
            if (fd != -Libc.EAGAIN) {
                throw new IllegalStateException("accept4: errno " + -fd);
            }
            Thread.onSpinWait();
        }
        client.close(c);
        client.close(fd);
    }
}
