package org.tryaccept.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one place where the library links C functions. {@code Linker.downcallHandle} is a restricted
 * method: the module that calls it needs native access. Every provider module binds through here, so
 * that users name a single module, {@code org.tryaccept}, in {@code --enable-native-access}; the
 * handles it returns can be invoked from any module.
 *
 * <p>Callers keep the handles in {@code static final} fields (bound once, constant to the JIT).
 * Functions whose errno matters are bound with {@code captureCallState("errno")}: their handle takes a
 * capture segment as first argument, for which {@link #errnoSegment()} gives a per-thread reusable one.
 */
public final class NativeBinder {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> ERRNO_SEGMENTS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private NativeBinder() {
    }

    /** Binds a C library function whose errno is captured into the segment passed as first argument. */
    public static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol(name), fd, options);
    }

    /** Binds a C library function whose errno the caller never reads (no capture-state argument). */
    public static MethodHandle bindWithoutErrno(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), fd, options);
    }

    /** @return true when the C library of this process has {@code name} (e.g. {@code accept4}) */
    public static boolean has(String name) {
        return LINKER.defaultLookup().find(name).isPresent();
    }

    /** @return this thread's errno capture segment, allocated once per thread and reused */
    public static MemorySegment errnoSegment() {
        return ERRNO_SEGMENTS.get();
    }

    /** @return the errno a call left in {@code capture} */
    public static int errno(MemorySegment capture) {
        return (int) ERRNO_VALUE.get(capture, 0L);
    }

    /** @return {@code r} when the call succeeded ({@code r >= 0}), else {@code -errno} */
    public static int result(int r, MemorySegment capture) {
        return r >= 0 ? r : -errno(capture);
    }

    /** @return {@code r} when the call succeeded ({@code r >= 0}), else {@code -errno} */
    public static long result(long r, MemorySegment capture) {
        return r >= 0 ? r : -errno(capture);
    }

    /** Unwraps what {@code invokeExact} declares: downcalls throw nothing checked. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("tryaccept: C library has no " + name));
    }
}
