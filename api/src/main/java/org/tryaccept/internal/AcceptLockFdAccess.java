package org.tryaccept.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fastest fd access: the JDK's own fd number ({@link JdkFdAccess}) plus the channel's private
 * {@code acceptLock}, so that the accept path can act on the JDK's number itself instead of on a
 * transient duplicate: one {@code fcntl(F_DUPFD_CLOEXEC)} and one {@code close} fewer per accepted
 * connection. Needs {@code --add-opens java.base/sun.nio.ch=<this module>} (a private field of a
 * class, which {@code --add-exports} does not open).
 *
 * <p>Why holding the lock makes the number safe, from {@code sun/nio/ch/ServerSocketChannelImpl.java}
 * of JDK 25 (Temurin 25.0.3 {@code lib/src.zip}):
 * <ul>
 * <li>{@code implCloseNonBlockingMode()} sets {@code state = ST_CLOSING}, then runs
 * {@code acceptLock.lock(); acceptLock.unlock();} ("wait for any accept to complete before trying to
 * close") before {@code tryClose()} calls {@code nd.close(fd)};</li>
 * <li>{@code kill()}, through which a Selector finishes a close that was deferred because the channel
 * was registered, does the same {@code lock(); unlock();} before {@code tryFinishClose()}. This matters
 * when a key was cancelled before the close and a {@code select} deregisters it while {@code close()}
 * waits for the lock: {@code state} is already {@code ST_CLOSING} then, and without this wait the fd
 * would be closed under the accept;</li>
 * <li>{@code implCloseBlockingMode()} does not wait, but a channel only closes in blocking mode when it
 * is blocking; the mode changes in {@code AbstractSelectableChannel.configureBlocking} under
 * {@code regLock} (the public {@link ServerSocketChannel#blockingLock()}), which also covers the write of
 * the {@code nonBlocking} flag that {@code isBlocking()} reads; {@code implConfigureBlocking} takes
 * {@code acceptLock} as well.</li>
 * </ul>
 * So a thread that holds {@code blockingLock()} and then {@code acceptLock}, and sees the channel open
 * and non-blocking, knows that the fd number stays the channel's socket, and non-blocking, until it
 * releases them. The JDK's own non-blocking {@code accept()} holds the same lock for its
 * {@code accept4}; like it, a concurrent {@code close()} waits for the in-flight accept and then
 * releases the port.
 *
 * <p>{@link FdAccess#select} falls back to {@code jdk-internal} (the duplicate protocol) when the field
 * is missing or is not a {@link ReentrantLock}: then these facts cannot be assumed. That the JDK still
 * behaves as above is asserted by {@code AcceptLockTest} in impl-linux for {@code close()} (of a channel
 * registered with a Selector, too) and for {@code configureBlocking}, so a JDK that changes those fails
 * the build rather than a user; the {@code kill()} wait is from reading the source only.
 */
final class AcceptLockFdAccess extends FdAccess {
    /** The mode name in reports and tests. */
    static final String MODE = "jdk-acceptlock";

    private final JdkFdAccess numbers = new JdkFdAccess();

    private AcceptLockFdAccess() {
    }

    /**
     * @return the acceptLock access, or null when this JDK's internals differ from the facts above or
     *         {@code sun.nio.ch} is not opened to this module; {@link #whyNot()} then says which
     */
    static AcceptLockFdAccess resolve() {
        return Holder.ACCEPT_LOCK != null ? new AcceptLockFdAccess() : null;
    }

    /** @return why {@link #resolve()} returned null, or null if it did not */
    static String whyNot() {
        return Holder.WHY_NOT;
    }

    /**
     * @return why {@code impl}'s {@code acceptLock} field is not the one the facts above are about, or
     *         null when it is: a {@code ReentrantLock} instance field (a {@code Lock} of another kind could
     *         be shared, or not be what close() waits for)
     */
    static String fieldProblem(Class<?> impl) {
        Field f;
        try {
            f = impl.getDeclaredField("acceptLock");
        } catch (NoSuchFieldException e) {
            return impl.getName() + " has no field acceptLock";
        }
        if (f.getType() != ReentrantLock.class || Modifier.isStatic(f.getModifiers())) {
            return impl.getName() + ".acceptLock is a " + (Modifier.isStatic(f.getModifiers()) ? "static " : "")
                    + f.getType().getName() + ", not a ReentrantLock instance field";
        }
        return null;
    }

    @Override
    public int fdOf(ServerSocketChannel ch) throws IOException {
        return numbers.fdOf(ch);
    }

    /** @return the channel's acceptLock; {@code ch} is a JDK channel (ServerSockets checks the class) */
    @Override
    public ReentrantLock acceptLock(ServerSocketChannel ch) {
        try {
            return (ReentrantLock) Holder.ACCEPT_LOCK.invokeExact(ch);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public String mode() {
        return MODE;
    }

    /**
     * Resolved once, on first use; the handle sits in a static final field so that the JIT treats it
     * as a constant and inlines the field read (an instance field would leave an opaque MH call).
     */
    private static final class Holder {
        /** (ServerSocketChannel) ReentrantLock, or null when unusable. */
        static final MethodHandle ACCEPT_LOCK;
        static final String WHY_NOT;

        static {
            MethodHandle mh = null;
            String why = null;
            Module me = AcceptLockFdAccess.class.getModule();
            if (!Object.class.getModule().isOpen("sun.nio.ch", me)) {
                why = "sun.nio.ch is not opened to " + (me.isNamed() ? me.getName() : "ALL-UNNAMED");
            } else {
                try {
                    Class<?> impl = Class.forName("sun.nio.ch.ServerSocketChannelImpl");
                    why = fieldProblem(impl);
                    if (why == null) {
                        Field f = impl.getDeclaredField("acceptLock");
                        MethodHandle getter = MethodHandles.privateLookupIn(impl, MethodHandles.lookup())
                                .unreflectGetter(f)
                                .asType(MethodType.methodType(ReentrantLock.class, ServerSocketChannel.class));
                        // Checked on a real channel: the default provider must make this class, its lock
                        // must be set, and the fd number must be readable as in the jdk-internal mode.
                        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
                            if (probe.getClass() != impl) {
                                why = "the default provider's ServerSocketChannel is a " + probe.getClass().getName();
                            } else if ((ReentrantLock) getter.invokeExact(probe) == null) {
                                why = "acceptLock of a new channel is null";
                            } else if (new JdkFdAccess().fdOf(probe) < 0) {
                                why = "getFDVal of a new channel is negative";
                            } else {
                                mh = getter;
                            }
                        }
                    }
                } catch (Throwable e) { // ReflectiveOperationException, IOException, a LinkageError from getFDVal
                    why = e.toString();
                    mh = null;
                }
            }
            ACCEPT_LOCK = mh;
            WHY_NOT = why;
        }
    }
}
