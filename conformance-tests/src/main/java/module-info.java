/**
 * The tryaccept conformance kit: abstract JUnit 5 classes and jqwik property containers that check a
 * {@link org.tryaccept.spi.ServerSocketsProvider} against the contract tables of the README ("Errors", TCP_DEFER_ACCEPT
 * and 4). An implementer subclasses them in its own tests and supplies the provider; see the README
 * section "Running the suite against your provider".
 */
module org.tryaccept.conformance {
    requires transitive org.tryaccept;
    requires transitive org.junit.jupiter.api;
    requires transitive net.jqwik.api;
    // ThreadMXBean#getCurrentThreadAllocatedBytes, for the allocation check of the nothing-pending path.
    requires java.management;
    requires jdk.management;

    exports org.tryaccept.conformance;
    // The kit's @Test, @Property and @Provide methods are package-private; JUnit and jqwik call them by
    // reflection, which a named module allows only into an open package. Without this, a test run
    // with the kit on the module path fails with InaccessibleObjectException before any check runs.
    opens org.tryaccept.conformance;
}
