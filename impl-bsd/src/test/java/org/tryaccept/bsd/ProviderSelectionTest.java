package org.tryaccept.bsd;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.tryaccept.ServerSockets;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * Which provider wins, with impl-linux and impl-bsd both on the class path. The OS is faked with
 * {@code -Dos.name}/{@code -Dos.arch} in forked JVMs, because the choice is made once per JVM.
 */
class ProviderSelectionTest {

    private static String probe(String osName, String osArch) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (osName != null) {
            cmd.add("-Dos.name=" + osName);
        }
        if (osArch != null) {
            cmd.add("-Dos.arch=" + osArch);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SelectionProbe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("probe JVM did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> l.startsWith("provider=") || l.startsWith("error="))
                .findFirst().orElseThrow(() -> new AssertionError("no answer from probe: " + out));
    }

    @Test
    void forkedJvmsPickTheProviderOfTheirOs() throws Exception {
        assertEquals("provider=freebsd-ffm", probe("FreeBSD", "amd64"));
        assertEquals("provider=freebsd-ffm", probe("FreeBSD", "aarch64"));
        assertEquals("provider=macos-ffm", probe("Mac OS X", "aarch64"));
        assertEquals("provider=macos-ffm", probe("Mac OS X", "x86_64"));
        assertEquals("provider=linux-ffm", probe(null, null));
        String none = probe("FreeBSD", "riscv64");
        assertTrue(none.startsWith("error="), none);
        assertTrue(none.contains("os.name=FreeBSD") && none.contains("os.arch=riscv64"), none);
        assertTrue(none.contains("freebsd-ffm") && none.contains("macos-ffm"), "lists what it found: " + none);
    }

    @Test
    void linuxWinsInThisJvmWithBothJarsPresent() {
        assertEquals("Linux", System.getProperty("os.name"), "this suite runs on Linux");
        assertEquals("linux-ffm", ServerSockets.provider().name());
        Set<String> found = StreamSupport.stream(ServiceLoader.load(ServerSocketsProvider.class).spliterator(), false)
                .map(ServerSocketsProvider::name).collect(Collectors.toSet());
        assertEquals(Set.of("linux-ffm", "freebsd-ffm", "macos-ffm"), found);
        assertFalse(new FreeBsdServerSocketsProvider().isSupported());
        assertFalse(new MacOsServerSocketsProvider().isSupported());
    }

    @Test
    void moduleDescriptorProvidesBoth() throws Exception {
        Path classes = Path.of(FreeBsdServerSocketsProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path moduleInfo = Files.isDirectory(classes) ? classes.resolve("module-info.class") : null;
        assertNotNull(moduleInfo, "impl-bsd classes are a directory in this build: " + classes);
        ModuleDescriptor d;
        try (var in = Files.newInputStream(moduleInfo)) {
            d = ModuleDescriptor.read(in);
        }
        assertEquals("org.tryaccept.bsd", d.name());
        ModuleDescriptor.Provides provides = d.provides().stream()
                .filter(p -> p.service().equals(ServerSocketsProvider.class.getName())).findFirst().orElseThrow();
        assertEquals(List.of(FreeBsdServerSocketsProvider.class.getName(), MacOsServerSocketsProvider.class.getName()),
                provides.providers());
        assertTrue(d.exports().isEmpty(), "no package of impl-bsd is exported");
    }
}
