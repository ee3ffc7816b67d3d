/**
 * tryaccept: an exception-free, allocation-free accept path for JVM servers, over the FFM API.
 *
 * <p>Entry point: {@link org.tryaccept.ServerSockets}. Platform code is found with
 * {@link java.util.ServiceLoader} ({@link org.tryaccept.spi.ServerSocketsProvider}).
 *
 * <p>All native calls of the library are made from this module, so one flag grants native access:
 * {@code --enable-native-access=org.tryaccept} on the module path, {@code ALL-UNNAMED} on the
 * class path.
 */
module org.tryaccept {
    // jdk.net supplies TCP_KEEPIDLE, used as a marker to tell twin listeners apart when the
    // channel's fd has to be discovered without --add-exports.
    requires jdk.net;

    exports org.tryaccept;
    exports org.tryaccept.spi;
    // Shared engine and the one native binder, for this repository's provider modules only.
    exports org.tryaccept.internal to org.tryaccept.linux, org.tryaccept.bsd;

    uses org.tryaccept.spi.ServerSocketsProvider;
}
