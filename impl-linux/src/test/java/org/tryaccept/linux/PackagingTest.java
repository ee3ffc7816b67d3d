package org.tryaccept.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tryaccept.ServerSockets;
import org.tryaccept.internal.FfmProvider;

/**
 * How users load the library: on the module path (provides/uses) and the class path
 * (META-INF/services), with and without the fast-path export, and the error when no provider fits.
 */
class PackagingTest {
    private static final String API = ForkedJvm.locationOf(ServerSockets.class);
    private static final String LINUX = ForkedJvm.locationOf(LinuxServerSocketsProvider.class);
    private static final String TESTS = ForkedJvm.locationOf(PackagingTest.class);

    @Test
    void selectedProviderIsLinuxAndTheFdAccessModeIsTheExpectedOne() {
        assertEquals("linux-ffm", ServerSockets.provider().name());
        String expected = System.getProperty("tryaccept.test.expectedFdAccess");
        if (expected != null) { // set by each surefire execution in pom.xml
            assertEquals(expected, ((FfmProvider) ServerSockets.provider()).fdAccessMode());
        }
    }

    @Test
    void modulePathWithOneNativeAccessModuleAndNoWarnings() throws Exception {
        ForkedJvm.Result r = onModulePath();
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().contains("module=org.tryaccept"), r.stdout());
        assertTrue(r.stdout().contains("provider=linux-ffm"), r.stdout());
        assertTrue(r.stdout().contains("empty=true"), r.stdout());
        assertTrue(r.stdout().contains("peerMatches=true"), r.stdout());
        // every native call comes from org.tryaccept, so naming that one module is enough
        assertFalse(r.stderr().contains("restricted method"), r.stderr());
        // the fd-access line is DEBUG: a library says nothing on a normal start
        assertFalse(r.stderr().contains("tryaccept:"), r.stderr());
    }

    /** The README's recipe for seeing the one-time fd-access line: java.util.logging at FINE for org.tryaccept. */
    private static String debugLogging(java.nio.file.Path dir) throws java.io.IOException {
        java.nio.file.Path config = dir.resolve("logging.properties");
        java.nio.file.Files.writeString(config, """
                handlers=java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level=FINE
                org.tryaccept.level=FINE
                """);
        return "-Djava.util.logging.config.file=" + config;
    }

    @Test
    void fdAccessLineIsShownAtDebugLevel(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ForkedJvm.Result r = onModulePath(debugLogging(dir));
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stderr().contains("finding channel fds by address"), r.stderr());
        assertTrue(r.stderr().contains("add-exports java.base/sun.nio.ch=org.tryaccept"), r.stderr());
    }

    @Test
    void modulePathFastPathWithExportToTheLibraryModule(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        ForkedJvm.Result r = onModulePath(debugLogging(dir), "--add-exports", "java.base/sun.nio.ch=org.tryaccept");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().contains("peerMatches=true"), r.stdout());
        assertTrue(r.stderr().contains("through sun.nio.ch (fast path"), r.stderr());
    }

    /** Issue 11: the fastest mode on the module path, with the flag spelled for the library module. */
    @Test
    void modulePathAcceptLockPathWithOpensToTheLibraryModule(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        ForkedJvm.Result r = onModulePath(debugLogging(dir), "--add-opens", "java.base/sun.nio.ch=org.tryaccept");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().contains("peerMatches=true"), r.stdout());
        assertTrue(r.stderr().contains("under its acceptLock"), r.stderr());
        assertTrue(r.stderr().contains("add-opens java.base/sun.nio.ch=org.tryaccept"), r.stderr());
    }

    /** Opening sun.nio.ch to another module than the library's does not turn the mode on. */
    @Test
    void opensToTheWrongModuleFallsBackAndTheDebugLineSaysWhatToAdd(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        ForkedJvm.Result r = onModulePath(debugLogging(dir), "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED");
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().contains("peerMatches=true"), r.stdout());
        assertTrue(r.stderr().contains("finding channel fds by address"), r.stderr());
        assertTrue(r.stderr().contains("add-opens java.base/sun.nio.ch=org.tryaccept the fastest"), r.stderr());
    }

    @Test
    void classPathAddOpensChoosesTheAcceptLockPathUnlessForcedOtherwise() throws Exception {
        String cp = API + File.pathSeparator + LINUX + File.pathSeparator + TESTS;
        ForkedJvm.Result r = ForkedJvm.run(List.of("--enable-native-access=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-cp", cp, "modulecheck.ModulePathMain"));
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().contains("peerMatches=true"), r.stdout());
        assertTrue(r.stdout().contains("fdAccess=jdk-acceptlock"), r.stdout());
        ForkedJvm.Result forced = ForkedJvm.run(List.of("--enable-native-access=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Dorg.tryaccept.fdAccess=jdk",
                "-cp", cp, "modulecheck.ModulePathMain"));
        assertEquals(0, forced.exit(), forced.stderr());
        assertTrue(forced.stdout().contains("fdAccess=jdk-internal"), forced.stdout());
    }

    @Test
    void classPathWorksWithoutAnyFlagApartFromAWarning() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of(
                "-cp", API + File.pathSeparator + LINUX + File.pathSeparator + TESTS, "modulecheck.ModulePathMain"));
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().contains("peerMatches=true"), r.stdout());
        assertTrue(r.stdout().contains("fdAccess=discovery"), r.stdout());
    }

    @Test
    void noProviderForThisOsNamesOsArchAndArtifact() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of(
                "-Dos.name=SunOS", "--enable-native-access=ALL-UNNAMED",
                "-cp", API + File.pathSeparator + LINUX + File.pathSeparator + TESTS, "modulecheck.ModulePathMain"));
        assertTrue(r.exit() != 0);
        assertTrue(r.stderr().contains("IllegalStateException"), r.stderr());
        assertTrue(r.stderr().contains("os.name=SunOS"), r.stderr());
        assertTrue(r.stderr().contains("os.arch=" + System.getProperty("os.arch")), r.stderr());
        assertTrue(r.stderr().contains("tryaccept-linux"), r.stderr());
        assertTrue(r.stderr().contains("linux-ffm"), "says which provider was found but unsupported: " + r.stderr());
    }

    @Test
    void noProviderJarAtAll() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of(
                "--enable-native-access=ALL-UNNAMED",
                "-cp", API + File.pathSeparator + TESTS, "modulecheck.ModulePathMain"));
        assertTrue(r.exit() != 0);
        assertTrue(r.stderr().contains("(none found)"), r.stderr());
        assertTrue(r.stderr().contains("tryaccept-bsd"), r.stderr());
    }

    /**
     * Runs the check program with the api and Linux jars on the module path, native access granted to
     * the library module only, and the given extra JVM flags.
     */
    private static ForkedJvm.Result onModulePath(String... flags) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(flags));
        args.addAll(List.of(
                "--module-path", API + File.pathSeparator + LINUX,
                "--add-modules", "org.tryaccept,org.tryaccept.linux",
                "--enable-native-access=org.tryaccept",
                "-cp", TESTS, "modulecheck.ModulePathMain"));
        return ForkedJvm.run(args);
    }

}
