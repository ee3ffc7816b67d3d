package org.tryaccept.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.ServerSocketChannel;

/**
 * The fast path: {@code sun.nio.ch.SelChImpl#getFDVal()}, a public method of a JDK-internal
 * interface, reachable when {@code java.base} exports {@code sun.nio.ch} to this module. About 1 ns
 * a call once linked.
 */
final class JdkFdAccess extends FdAccess {

    static boolean isAvailable() {
        return Object.class.getModule().isExported("sun.nio.ch", JdkFdAccess.class.getModule());
    }

    @Override
    public int fdOf(ServerSocketChannel ch) throws IOException {
        try {
            return (int) Holder.GET_FD_VAL.invokeExact(ch);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public String mode() {
        return "jdk-internal";
    }

    /** Linked on first use only, so that {@link #isAvailable()} can be asked without the export. */
    private static final class Holder {
        static final MethodHandle GET_FD_VAL;

        static {
            try {
                Class<?> selChImpl = Class.forName("sun.nio.ch.SelChImpl");
                GET_FD_VAL = MethodHandles.lookup()
                        .findVirtual(selChImpl, "getFDVal", MethodType.methodType(int.class))
                        .asType(MethodType.methodType(int.class, ServerSocketChannel.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(new IllegalStateException(
                        "tryaccept: sun.nio.ch.SelChImpl#getFDVal is not accessible; "
                                + "add " + FLAG_HINT, e));
            }
        }
    }
}
