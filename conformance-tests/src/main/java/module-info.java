/** The tryaccept conformance kit (work in progress: see issue 3). */
module org.tryaccept.conformance {
    requires org.tryaccept;
    requires org.junit.jupiter.api;
    requires net.jqwik.api;
}
