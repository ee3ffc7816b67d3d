/** FreeBSD and macOS providers of tryaccept (work in progress: see issue 4). */
module org.tryaccept.bsd {
    requires org.tryaccept;
}
