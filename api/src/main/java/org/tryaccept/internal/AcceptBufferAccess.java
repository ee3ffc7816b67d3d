package org.tryaccept.internal;

import java.lang.foreign.MemorySegment;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.spi.SockaddrCodec;

/**
 * Reaches the package-private state of {@link AcceptBuffer} from the provider side without making it
 * public (the JDK's "shared secrets" pattern). Installed by {@code AcceptBuffer}'s static initializer;
 * every caller already holds an {@code AcceptBuffer} instance, so the class is initialized by then.
 */
public final class AcceptBufferAccess {
    private static volatile Access access;

    private AcceptBufferAccess() {
    }

    /** What {@link AcceptBuffer} exposes to providers. */
    public interface Access {
        MemorySegment sockaddr(AcceptBuffer b);

        MemorySegment sockaddrLength(AcceptBuffer b);

        void complete(AcceptBuffer b, int fd, int length, SockaddrCodec codec);

        void clear(AcceptBuffer b);

        /** Claims the buffer for the calling thread, or throws IllegalStateException. */
        void enter(AcceptBuffer b);

        void exit(AcceptBuffer b);
    }

    public static void install(Access a) {
        if (access != null) {
            throw new IllegalStateException("already installed");
        }
        access = a;
    }

    public static Access get() {
        Access a = access;
        if (a == null) {
            // Only reachable if a caller has no AcceptBuffer instance yet; force the class to load.
            try {
                java.lang.invoke.MethodHandles.lookup().ensureInitialized(AcceptBuffer.class);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            a = access;
        }
        return a;
    }
}
