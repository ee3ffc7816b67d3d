package com.example.outsider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import org.junit.jupiter.api.Test;
import org.tryaccept.ServerSockets;
import org.tryaccept.conformance.AbstractTryAcceptContractTest;
import org.tryaccept.spi.ServerSocketsProvider;

/**
 * The kit suites here really run the way an outsider runs them: the provider in its own named module on
 * the module path, the api as the named module org.tryaccept, which exports its internals to nobody
 * outside this repository, and no --add-exports on the command line.
 */
class ModulePathTest {

    @Test
    void theProviderAndTheApiAreNamedModules() {
        Module outsider = OutsiderProvider.class.getModule();
        Module api = ServerSocketsProvider.class.getModule();
        assertTrue(outsider.isNamed(), "OutsiderProvider runs in the unnamed module: tests are on the class path");
        assertEquals("com.example.outsider", outsider.getName());
        assertEquals("org.tryaccept", api.getName());
        // The tests are patched into the provider's module.
        assertEquals(outsider, ModulePathTest.class.getModule());
        // org.tryaccept.internal is exported to this repository's provider modules only, never to us.
        assertFalse(api.isExported("org.tryaccept.internal"));
        assertFalse(api.isExported("org.tryaccept.internal", outsider));
        assertTrue(api.isExported("org.tryaccept.spi", outsider));
        ModuleDescriptor d = outsider.getDescriptor();
        assertEquals(1, d.provides().size());
        assertEquals("org.tryaccept.spi.ServerSocketsProvider", d.provides().iterator().next().service());
        System.out.println("[module path] provider: " + outsider + ", api: " + api + ", kit: "
                + AbstractTryAcceptContractTest.class.getModule() + ", JUnit: " + Test.class.getModule());
    }

    /**
     * Surefire puts the kit on the class path here (it is not required by com.example.outsider). An
     * outsider whose tests are a module of their own has it on the module path, where JUnit and jqwik can
     * call the kit's package-private test methods only if the kit opens its package.
     */
    @Test
    void theKitOpensItsPackageForAModulePathRun() throws Exception {
        java.nio.file.Path kit = java.nio.file.Path.of(AbstractTryAcceptContractTest.class.getProtectionDomain()
                .getCodeSource().getLocation().toURI());
        ModuleDescriptor d = java.lang.module.ModuleFinder.of(kit).find("org.tryaccept.conformance").orElseThrow()
                .descriptor();
        assertTrue(d.opens().stream().anyMatch(o -> o.source().equals("org.tryaccept.conformance") && !o.isQualified()),
                "the kit's module-info must say `opens org.tryaccept.conformance;`: " + d.opens());
    }

    @Test
    void noAddExportsOnTheCommandLine() {
        String args = String.join(" ", ProcessHandle.current().info().arguments().orElseThrow());
        assertFalse(args.contains("--add-exports"), "JVM arguments: " + args);
        assertFalse(args.contains("add-opens java.base"), "JVM arguments: " + args);
        assertTrue(args.contains("--enable-native-access="), "JVM arguments: " + args);
    }

    @Test
    void serverSocketsFindsTheProviderThroughItsModuleDescriptor() {
        // org.tryaccept's ServiceLoader finds it through `provides` (the only provider on this module path).
        assertInstanceOf(OutsiderProvider.class, ServerSockets.provider());
    }
}
