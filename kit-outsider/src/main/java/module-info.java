/**
 * A tryaccept provider written from scratch by an outsider: its own FFM bindings of {@code accept4},
 * {@code poll}, {@code fcntl}, {@code setsockopt}, {@code getsockopt}, {@code getsockname} and
 * {@code close}, on nothing but the exported packages {@code org.tryaccept} and {@code org.tryaccept.spi}.
 * Run it with {@code --enable-native-access=com.example.outsider}.
 */
module com.example.outsider {
    requires org.tryaccept;

    provides org.tryaccept.spi.ServerSocketsProvider with com.example.outsider.OutsiderProvider;
}
