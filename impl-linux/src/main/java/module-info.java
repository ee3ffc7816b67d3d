/**
 * The Linux provider of tryaccept: {@code accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)} and
 * {@code TCP_DEFER_ACCEPT}. Add it to the class or module path; nothing in it is called directly.
 */
module org.tryaccept.linux {
    requires org.tryaccept;

    provides org.tryaccept.spi.ServerSocketsProvider with org.tryaccept.linux.LinuxServerSocketsProvider;
}
