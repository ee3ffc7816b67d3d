package org.tryaccept.linux.netns;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * What the two agents ({@link ServerAgent}, {@link ClientAgent}) share: the stdin/stdout line
 * protocol of {@link NsProcess}, the description of a peer address as {@code key=value} facts, and
 * {@code read(2)}/{@code close(2)} on a raw accepted fd (test code, through FFM; the library's public
 * API hands out the fd and nothing to read it with).
 */
abstract class Agent {
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private static final Linker C = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle READ = C.downcallHandle(C.defaultLookup().find("read").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle CLOSE = C.downcallHandle(C.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final int EAGAIN = 11;
    private static final int ECONNRESET = 104;

    /** Handles one command; returns the {@code ok} line's facts, or null to exit. */
    abstract String handle(String[] words) throws Exception;

    abstract void cleanUp();

    final void run() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                String[] words = line.trim().split(" +");
                try {
                    if (words[0].equals("hello")) {
                        say("ok hello pid=" + ProcessHandle.current().pid());
                        continue;
                    }
                    if (words[0].equals("exit")) {
                        break;
                    }
                    say("ok " + words[0] + " " + handle(words));
                } catch (Exception | AssertionError e) {
                    say("error " + words[0] + " " + e.toString().replace('\n', ' '));
                }
            }
        } catch (Exception e) {
            System.err.println("agent stops: " + e);
        } finally {
            cleanUp(); // stdin closed (the test is done or gone): release everything
        }
    }

    static void say(String line) {
        OUT.println(line);
    }

    static void event(String line) {
        say("event " + line);
    }

    /** {@code addr=... port=... scope=... scopeif=...} of a peer, as java.net reports it. */
    static String describe(SocketAddress a) {
        InetSocketAddress i = (InetSocketAddress) a;
        String s = "addr=" + i.getAddress().getHostAddress() + " port=" + i.getPort() + " family="
                + (i.getAddress() instanceof Inet6Address ? "inet6" : "inet4");
        if (i.getAddress() instanceof Inet6Address v6) {
            NetworkInterface nif = v6.getScopedInterface();
            s += " scope=" + v6.getScopeId() + " scopeif=" + (nif == null ? "-" : nif.getName())
                    + " text=" + v6.toString().replace(' ', '_');
        }
        return s;
    }

    /** One non-blocking read of an accepted fd: "n" bytes, "EAGAIN", "EOF", "ECONNRESET" or "errno<N>". */
    static String readOnce(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            MemorySegment state = a.allocate(STATE);
            long n = (long) READ.invokeExact(state, fd, buf, buf.byteSize());
            if (n > 0) {
                return Long.toString(n);
            }
            if (n == 0) {
                return "EOF";
            }
            int errno = (int) ERRNO.get(state, 0L);
            return errno == EAGAIN ? "EAGAIN" : errno == ECONNRESET ? "ECONNRESET" : "errno" + errno;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void closeFd(int fd) {
        try {
            int r = (int) CLOSE.invokeExact(fd);
            if (r != 0) {
                System.err.println("close(" + fd + ") failed");
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
