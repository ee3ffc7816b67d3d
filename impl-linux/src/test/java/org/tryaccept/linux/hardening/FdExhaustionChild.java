package org.tryaccept.linux.hardening;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.Accepted;
import org.tryaccept.ErrnoException;
import org.tryaccept.ServerSockets;
import org.tryaccept.internal.FfmProvider;
import org.tryaccept.internal.LibcSyscalls;

/**
 * Runs in a JVM started by {@link FdExhaustionTest} under a low {@code ulimit -n}. It uses up every
 * free fd, calls tryAccept with none free and with exactly one free (the library's duplicate then
 * takes it, and accept4 itself hits the limit), frees the fds and drains the listener. It prints
 * {@code key=value} lines; the parent test asserts on them, so this class decides nothing itself.
 */
public final class FdExhaustionChild {
    private static final int PENDING = 5;

    private FdExhaustionChild() {
    }

    public static void main(String[] args) throws Exception {
        int dupCmd = ((FfmProvider) ServerSockets.provider()).platform().fcntl().fDupfdCloexec();
        System.out.println("mode=" + ((FfmProvider) ServerSockets.provider()).fdAccessMode());
        // Loading a class from a directory on the class path opens a file, which fails once no fd is
        // free; so everything the exhausted phase touches is loaded (and the fd lookup cached) first.
        Class.forName(ErrnoException.class.getName());
        Class.forName(IllegalStateException.class.getName());
        try (ServerSocketChannel listener = Net.listener(64)) {
            SocketAddress address = listener.getLocalAddress();
            try (SocketChannel warm = Net.connect(address)) {
                ServerSockets.tryAccept(listener).orElseThrow().close();
            }
            AcceptBuffer buf = new AcceptBuffer();
            ServerSockets.tryAccept(listener, buf);

            List<SocketChannel> clients = new ArrayList<>();
            TreeSet<Integer> expected = new TreeSet<>();
            for (int i = 0; i < PENDING; i++) {
                SocketChannel c = Net.connect(address);
                clients.add(c);
                expected.add(((InetSocketAddress) c.getLocalAddress()).getPort());
            }

            int[] held = new int[1 << 16];
            int count = 0;
            int fillErrno;
            while (true) {
                int d = org.tryaccept.linux.TestProviders.libc().dupCloexec(0, dupCmd);
                if (d < 0) {
                    fillErrno = -d;
                    break;
                }
                held[count++] = d;
            }
            TreeSet<Integer> accepted = new TreeSet<>();
            String noneFree = attempt(listener, null, accepted);
            String noneFreeBuffer = attempt(listener, buf, accepted);
            org.tryaccept.linux.TestProviders.libc().close(held[--count]); // exactly one fd free now
            // With a duplicate per accept (two fds needed) accept4 fails; without (acceptlock mode) it succeeds.
            String oneFree = attempt(listener, null, accepted);
            boolean openAfter = listener.isOpen();
            while (count > 0) {
                org.tryaccept.linux.TestProviders.libc().close(held[--count]);
            }
            System.out.println("filled=" + fillErrno);
            System.out.println("noneFree=" + noneFree);
            System.out.println("noneFreeBuffer=" + noneFreeBuffer);
            System.out.println("oneFree=" + oneFree);
            System.out.println("openAfter=" + openAfter);

            // Nothing lost: every connection that was pending during the exhaustion is accepted now.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (accepted.size() < PENDING && System.nanoTime() < deadline) {
                Optional<Accepted> a = ServerSockets.tryAccept(listener);
                if (a.isPresent()) {
                    try (Accepted c = a.get()) {
                        accepted.add(((InetSocketAddress) c.remoteAddress()).getPort());
                    }
                } else {
                    Thread.onSpinWait();
                }
            }
            System.out.println("expected=" + expected);
            System.out.println("accepted=" + accepted);
            System.out.println("leftOver=" + ServerSockets.tryAccept(listener).isPresent());
            // And the listener keeps serving new connections.
            try (SocketChannel late = Net.connect(address)) {
                int got = -1;
                while (got < 0 && System.nanoTime() < deadline) {
                    got = ServerSockets.tryAccept(listener, buf) ? buf.port() : -1;
                }
                if (got >= 0) {
                    Net.closeFd(buf.fd());
                }
                System.out.println("lateMatches=" + (got == ((InetSocketAddress) late.getLocalAddress()).getPort()));
            }
            Net.closeAll(clients);
        }
    }

    /** @return "errnoName@call" for an ErrnoException (an accepted connection's port goes into {@code accepted}), "accepted"/"empty", or the other exception's class */
    private static String attempt(ServerSocketChannel listener, AcceptBuffer buf, TreeSet<Integer> accepted) {
        try {
            if (buf != null) {
                if (!ServerSockets.tryAccept(listener, buf)) {
                    return "empty";
                }
                accepted.add(buf.port());
                Net.closeFd(buf.fd());
                return "accepted";
            }
            Optional<Accepted> a = ServerSockets.tryAccept(listener);
            if (a.isEmpty()) {
                return "empty";
            }
            try (Accepted c = a.get()) {
                accepted.add(((InetSocketAddress) c.remoteAddress()).getPort());
            }
            return "accepted";
        } catch (ErrnoException e) {
            return e.errnoName() + "@" + e.call() + "@" + e.errno() + "@" + e.getMessage();
        } catch (Throwable t) {
            return "unexpected " + t.getClass().getName();
        }
    }
}
