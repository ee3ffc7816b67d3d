package org.tryaccept.linux.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test fixture of issue 12.1: two network namespaces, a server host and a client host, joined by
 * a veth pair, with the addresses below on the veth ends only (loopback is up in both, nothing is
 * routed anywhere else, the host's own namespace is not touched):
 *
 * <pre>
 *   server namespace  ta-PID-Ns   veth ta-PID-Ns (ifindex 12): 192.0.2.1/24, fe80::1/64
 *   client namespace  ta-PID-Nc   veth ta-PID-Nc (ifindex 21): 192.0.2.2/24, fe80::2/64
 * </pre>
 *
 * 192.0.2.0/24 is TEST-NET-1 (RFC 5737), never routed. Link-local addresses are fixed (kernel
 * address generation off, {@code nodad}), so the peer address a test sees is known in advance.
 * Programs run inside a namespace as child JVMs under {@code ip netns exec} (ip-netns(8)): a JVM
 * thread cannot switch namespaces safely, a child process can be born in one.
 *
 * <p>{@link #close()} ends the children it started and deletes both namespaces (which deletes the
 * veth pair); {@link #create()} first deletes namespaces left by earlier runs whose process is gone.
 * Tests call {@link #unavailableReason()} and skip with that reason where namespaces cannot be made
 * (not Linux, not root, no {@code ip}, no CAP_SYS_ADMIN in a container).
 */
final class TwoHosts implements AutoCloseable {
    static final String SERVER_V4 = "192.0.2.1";
    static final String CLIENT_V4 = "192.0.2.2";
    static final String SERVER_LINK_LOCAL = "fe80::1";
    static final String CLIENT_LINK_LOCAL = "fe80::2";
    /** Interface indexes of the veth ends, different on purpose: a scope id shows which host it belongs to. */
    static final int SERVER_IF_INDEX = 12;
    static final int CLIENT_IF_INDEX = 21;

    private static final long PID = ProcessHandle.current().pid();
    /** Names: ta-PID-N{s,c}; PIDs have at most 7 digits, so names stay within IFNAMSIZ-1 = 15 chars. */
    private static final Pattern OURS = Pattern.compile("^(ta-(\\d+)-\\d+[sc])\\b");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static volatile Optional<String> unavailable;

    final String serverNs;
    final String clientNs;
    /** The veth end in the server namespace (same name as the namespace). */
    final String serverIf;
    final String clientIf;
    private final List<NsProcess> processes = new ArrayList<>();
    /** Other programs started in a namespace ({@link #exec}), killed on {@link #close()}. */
    private final List<Process> commands = new ArrayList<>();

    private TwoHosts(String serverNs, String clientNs) {
        this.serverNs = serverNs;
        this.clientNs = clientNs;
        this.serverIf = serverNs;
        this.clientIf = clientNs;
    }

    /** Why namespaces cannot be made here, or empty when they can (checked once, by making one). */
    static Optional<String> unavailableReason() {
        Optional<String> r = unavailable;
        if (r == null) {
            r = probe();
            unavailable = r;
        }
        return r;
    }

    private static Optional<String> probe() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return Optional.of("network namespaces are Linux only (os.name=" + System.getProperty("os.name") + ")");
        }
        if (ipBinary() == null) {
            return Optional.of("no 'ip' command (iproute2) on PATH or in /usr/sbin, /sbin; install iproute2");
        }
        String name = "ta-" + PID + "-0s";
        try {
            Run add = run(List.of(ipBinary(), "netns", "add", name));
            if (add.exit != 0) {
                return Optional.of("cannot create a network namespace ('ip netns add' needs root / CAP_SYS_ADMIN): "
                        + add.output.strip());
            }
            Run up = run(List.of(ipBinary(), "-n", name, "link", "set", "lo", "up"));
            run(List.of(ipBinary(), "netns", "del", name));
            if (up.exit != 0) {
                return Optional.of("cannot configure a network namespace: " + up.output.strip());
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot run 'ip netns': " + e);
        }
    }

    /** Makes both namespaces and the veth pair; the caller closes the result (try/finally or @AfterAll). */
    static TwoHosts create() throws IOException {
        deleteStale();
        int n = COUNTER.incrementAndGet();
        TwoHosts h = new TwoHosts("ta-" + PID + "-" + n + "s", "ta-" + PID + "-" + n + "c");
        try {
            h.build();
            return h;
        } catch (IOException | RuntimeException | Error e) {
            h.close();
            throw e;
        }
    }

    private void build() throws IOException {
        ip("netns", "add", serverNs);
        ip("netns", "add", clientNs);
        // Born inside the namespaces: the names never exist in the host's namespace.
        ip("link", "add", "name", serverIf, "netns", serverNs, "index", Integer.toString(SERVER_IF_INDEX),
                "type", "veth", "peer", "name", clientIf, "netns", clientNs, "index", Integer.toString(CLIENT_IF_INDEX));
        for (String[] end : new String[][] {{serverNs, serverIf, SERVER_V4, SERVER_LINK_LOCAL},
                {clientNs, clientIf, CLIENT_V4, CLIENT_LINK_LOCAL}}) {
            ip("-n", end[0], "link", "set", "lo", "up");
            // No EUI-64 link-local address besides ours: the client's source address is fe80::2.
            ip("-n", end[0], "link", "set", end[1], "addrgenmode", "none");
            ip("-n", end[0], "addr", "add", end[2] + "/24", "dev", end[1]);
            ip("-n", end[0], "addr", "add", end[3] + "/64", "dev", end[1], "nodad");
            ip("-n", end[0], "link", "set", end[1], "up");
        }
        // The veth carrier comes up asynchronously: wait (bounded) until both ends say LOWER_UP.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(linkUp(serverNs, serverIf) && linkUp(clientNs, clientIf))) {
            if (System.nanoTime() > deadline) {
                throw new IOException("veth pair did not come up in 10 s");
            }
            sleep(20);
        }
    }

    private static boolean linkUp(String ns, String dev) throws IOException {
        return run(List.of(ipBinary(), "-n", ns, "link", "show", dev)).output.contains("LOWER_UP");
    }

    /** A child JVM running {@code main} inside the server namespace. */
    NsProcess startInServer(Class<?> main) throws IOException {
        return start(serverNs, main);
    }

    /** A child JVM running {@code main} inside the client namespace. */
    NsProcess startInClient(Class<?> main) throws IOException {
        return start(clientNs, main);
    }

    private synchronized NsProcess start(String ns, Class<?> main) throws IOException {
        NsProcess p = NsProcess.start(ipBinary(), ns, main);
        processes.add(p);
        return p;
    }

    /**
     * Any program inside a namespace, {@code ip netns exec NS command...}, output and errors merged.
     * {@code ip netns exec} execs the program itself (no fork), so the process id is the program's.
     * Killed on {@link #close()}, like the agents.
     */
    synchronized Process exec(String ns, List<String> command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ipBinary(), "netns", "exec", ns));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        commands.add(p);
        return p;
    }

    /**
     * Runs {@code nft COMMANDS} inside a namespace (one argument, commands separated by ';') and
     * returns its output; a failure is an IOException with nft's message. Tables made here disappear
     * with the namespace. Callers check {@link #nftBinary()} first and skip when it is null.
     */
    String nft(String ns, String commands) throws IOException {
        List<String> cmd = List.of(ipBinary(), "netns", "exec", ns, nftBinary(), commands);
        Run r = run(cmd);
        if (r.exit != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.exit + "): " + r.output.strip());
        }
        return r.output;
    }

    /** The nft command (Debian package nftables), or null when this machine has none. */
    static String nftBinary() {
        return binary("nft");
    }

    /** Ends every child first (a namespace outlives 'ip netns del' while a process is inside), then deletes both. */
    @Override
    public synchronized void close() {
        for (NsProcess p : processes) {
            p.close();
        }
        processes.clear();
        for (Process p : commands) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        commands.clear();
        for (String ns : List.of(serverNs, clientNs)) {
            try {
                run(List.of(ipBinary(), "netns", "del", ns));
            } catch (IOException e) {
                System.err.println("could not delete namespace " + ns + ": " + e);
            }
        }
    }

    /** Deletes ta-PID-* namespaces whose PID is no longer a live process (a killed earlier run). */
    private static void deleteStale() throws IOException {
        for (String line : run(List.of(ipBinary(), "netns", "list")).output.split("\n")) {
            Matcher m = OURS.matcher(line.strip());
            if (m.find() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
                run(List.of(ipBinary(), "netns", "del", m.group(1)));
            }
        }
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ipBinary());
        cmd.addAll(List.of(args));
        Run r = run(cmd);
        if (r.exit != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + r.exit + "): " + r.output.strip());
        }
    }

    static String ipBinary() {
        return binary("ip");
    }

    private static String binary(String name) {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        return null;
    }

    private record Run(int exit, String output) {
    }

    private static Run run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        try (var in = p.getInputStream()) {
            String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd + " did not finish in 20 s");
            }
            return new Run(p.exitValue(), out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + cmd, e);
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
