import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import org.tryaccept.AcceptBuffer;
import org.tryaccept.ErrnoException;
import org.tryaccept.Poller;
import org.tryaccept.ServerSocketOptions;
import org.tryaccept.ServerSockets;
import org.tryaccept.SocketIo;

/**
 * A complete HTTP/1.1 server on nothing but {@code ServerSockets.tryAccept}, {@code Poller} and
 * {@code SocketIo}: no FFM code of its own, no JDK Selector, no SocketChannel.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp tryaccept-api.jar:tryaccept-linux.jar \
 *      examples/HttpServer.java --port 8080 [--defer SECONDS] [--loops N] [--host 127.0.0.1]
 * </pre>
 *
 * Any path gets {@code 200} and a short body. Connections stay open (keep-alive) unless the request
 * says {@code Connection: close}, or is HTTP/1.0 without {@code Connection: keep-alive}. A malformed
 * request gets {@code 400}, a header block larger than the read buffer {@code 431}, a request with a
 * {@code Transfer-Encoding} (a chunked body, which this example does not decode) {@code 501}; the
 * connection is closed after each of these. Runs until killed.
 *
 * <p>The pattern, per event-loop thread (one per {@code --loops}, each with its own
 * {@code SO_REUSEPORT} listener, so the kernel spreads connections and the loops share nothing):
 * <ol>
 * <li>register the listener with the loop's {@code Poller}; on READABLE drain it with
 *     {@code tryAccept} until it returns false (no exception when the queue is empty);</li>
 * <li>register each accepted fd for READABLE, or, with {@code --defer} ({@code TCP_DEFER_ACCEPT}),
 *     read it at once: the kernel queued it only after request bytes arrived, so the request is
 *     (almost always) already there, and the server saves one event-loop round trip per connection;
 *     only on the rare EAGAIN (read returns 0) is the fd registered;</li>
 * <li>on EMFILE/ENFILE stop watching the listener for a while, then resume: the listener stays
 *     readable while its queue is full, so a level-triggered loop that simply retried would spin at
 *     100% CPU (oven-sh/bun issue 32705). Nothing queued is lost: the kernel keeps the connections.</li>
 * </ol>
 * The steady path allocates nothing: per-connection state lives in an array indexed by fd (the
 * poller token) and is reused when the kernel reuses the fd number; one native read buffer per loop;
 * the replies are constant native segments written as they are.
 */
public class HttpServer {
    /** Header block limit: the whole request head has to fit in one loop's read buffer. */
    static final int BUFFER = 8192;
    /** How long to stop accepting after EMFILE/ENFILE (nginx uses 500 ms, Netty 1 s, libuv closes a spare fd). */
    static final long ACCEPT_BACKOFF_NANOS = 100_000_000L;
    /** How long a connection closed after an error reply may keep sending before we close it for good. */
    static final long LINGER_NANOS = 2_000_000_000L;
    /** Poller token of the listener; a connection's token is its fd, which is never negative. */
    static final long LISTENER = -1;

    static final Reply OK_KEEP_ALIVE = new Reply("200 OK", "", "Hello, world\n");
    static final Reply OK_KEEP_ALIVE_10 = new Reply("200 OK", "Connection: keep-alive\r\n", "Hello, world\n");
    static final Reply OK_CLOSE = new Reply("200 OK", "Connection: close\r\n", "Hello, world\n");
    static final Reply BAD_REQUEST = new Reply("400 Bad Request", "Connection: close\r\n", "");
    static final Reply TOO_LARGE = new Reply("431 Request Header Fields Too Large", "Connection: close\r\n", "");
    static final Reply NOT_IMPLEMENTED = new Reply("501 Not Implemented", "Connection: close\r\n", "");

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 8080;
        int defer = 0;
        int loops = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--defer" -> defer = Integer.parseInt(args[i + 1]);
                case "--loops" -> loops = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: --port N [--defer SECONDS] [--loops N] [--host ADDRESS]");
            }
        }
        if (args.length % 2 != 0 || loops < 1 || defer < 0) {
            throw new IllegalArgumentException("usage: --port N [--defer SECONDS] [--loops N] [--host ADDRESS]");
        }

        EventLoop[] all = new EventLoop[loops];
        InetSocketAddress bound = new InetSocketAddress(InetAddress.getByName(host), port);
        for (int i = 0; i < loops; i++) {
            ServerSocketChannel listener = ServerSocketChannel.open();
            if (loops > 1) { // every loop binds its own listener to the same port; the kernel balances
                ServerSockets.setOption(listener, StandardSocketOptions.SO_REUSEPORT, true);
            }
            listener.bind(bound, 4096);
            bound = (InetSocketAddress) listener.getLocalAddress(); // with --port 0 the others follow the first
            listener.configureBlocking(false); // tryAccept refuses a blocking listener: a try-call never blocks
            if (defer > 0) { // only for protocols where the client speaks first (HTTP, TLS)
                ServerSockets.setOption(listener, ServerSocketOptions.TCP_DEFER_ACCEPT, defer);
            }
            all[i] = new EventLoop(listener, defer > 0);
        }
        System.out.println("listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort()
                + " (" + loops + (loops == 1 ? " loop" : " loops")
                + (defer > 0 ? ", TCP_DEFER_ACCEPT " + defer + " s, read at once)" : ")"));
        System.out.flush();
        for (int i = 1; i < loops; i++) {
            Thread t = new Thread(all[i], "loop-" + i);
            t.start();
        }
        all[0].run(); // the main thread is loop 0; the process runs until killed
    }

    /** A constant reply in native memory, written as it is; {@code head} is the same without the body (HEAD). */
    record Reply(MemorySegment full, MemorySegment head) {
        Reply(String status, String extraHeaders, String body) {
            this(nativeAscii("HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                    + "\r\n" + extraHeaders + "\r\n" + body), body.length());
        }

        private Reply(MemorySegment full, int bodyLength) {
            this(full, full.asSlice(0, full.byteSize() - bodyLength));
        }

        private static MemorySegment nativeAscii(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            return Arena.global().allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes));
        }
    }

    /** What the loop knows about one open connection. Reused for the next connection on the same fd. */
    static final class Conn {
        final int fd;
        boolean open;
        boolean registered;   // in the poller's set
        int interest;         // what it is registered for: READABLE, or WRITABLE while a reply waits
        int carried;          // bytes of an incomplete request kept in carry (rare: split across reads)
        byte[] carry;
        long bodyToSkip;      // request body bytes still to discard (Content-Length)
        ByteBuffer unsent;    // reply bytes the socket did not take yet (rare), ready to write
        int afterSend;        // KEEP_OPEN, CLOSE or LINGER once unsent is empty
        boolean lingering;    // error reply sent and output shut down: discard input until EOF
        long lingerUntil;

        static final int KEEP_OPEN = 0, CLOSE = 1, LINGER = 2;

        Conn(int fd) {
            this.fd = fd;
        }

        void reset() {
            open = true;
            registered = false;
            interest = 0;
            carried = 0;
            bodyToSkip = 0;
            if (unsent != null) {
                unsent.clear().flip();
            }
            afterSend = KEEP_OPEN;
            lingering = false;
        }

        boolean hasUnsent() {
            return unsent != null && unsent.hasRemaining();
        }
    }

    record Linger(int fd, long deadline) {
    }

    /** One thread: a listener, a poller, and the connections accepted from that listener. */
    static final class EventLoop implements Runnable {
        final ServerSocketChannel listener;
        final boolean readAtOnce;
        final Poller poller;
        final AcceptBuffer accepted = new AcceptBuffer(); // tryAccept writes into it: nothing allocated per accept
        final MemorySegment in = Arena.ofAuto().allocate(BUFFER); // the loop's one read buffer
        Conn[] conns = new Conn[1024];                             // indexed by fd = poller token
        boolean acceptPaused;
        long acceptResumeAt;
        final ArrayDeque<Linger> lingering = new ArrayDeque<>();   // deadlines in order: constant linger time

        // Results of parsing the current request (fields, not objects: nothing allocated per request).
        boolean http11;
        boolean head;
        boolean closeToken;
        boolean keepAliveToken;
        boolean hasHost;
        boolean hasTransferEncoding;
        long contentLength;

        EventLoop(ServerSocketChannel listener, boolean readAtOnce) throws IOException {
            this.listener = listener;
            this.readAtOnce = readAtOnce;
            this.poller = Poller.open();
            poller.add(listener, Poller.READABLE, LISTENER);
        }

        // README excerpt begins: README.md quotes the lines between these two marks
        @Override
        public void run() {
            try {
                while (true) {
                    int n = poller.poll(pollTimeoutMillis());
                    for (int i = 0; i < n; i++) {
                        long token = poller.token(i);
                        if (token == LISTENER) {
                            acceptAll();
                        } else {
                            onEvents(conns[(int) token], poller.events(i));
                        }
                    }
                    runTimers();
                }
            } catch (IOException e) { // the poller or the listener itself failed: nothing sensible is left
                e.printStackTrace();
                System.exit(1);
            }
        }

        /** Drains the listener: tryAccept returns false, not an exception, once the queue is empty. */
        void acceptAll() throws IOException {
            try {
                while (ServerSockets.tryAccept(listener, accepted)) {
                    Conn c = connection(accepted.fd());
                    if (readAtOnce) {
                        onEvents(c, Poller.READABLE); // registers c itself if the request is not there yet
                    } else {
                        try {
                            want(c, Poller.READABLE);
                        } catch (IOException e) { // that connection cannot be watched: drop it, go on
                            close(c);
                        }
                    }
                }
            } catch (ErrnoException e) {
                switch (e.errnoName()) {
                    case "EMFILE", "ENFILE", "ENOBUFS", "ENOMEM" -> {
                        // Out of fds (or kernel memory). The listener stays readable, so retrying at the
                        // next poll would spin; take it out of the interest set and come back later.
                        // The pending connections stay queued in the kernel meanwhile.
                        poller.modify(listener, 0, LISTENER);
                        acceptPaused = true;
                        acceptResumeAt = System.nanoTime() + ACCEPT_BACKOFF_NANOS;
                    }
                    default -> throw e;
                }
            }
        }
        // README excerpt ends

        /** The reusable state for a newly accepted fd. */
        Conn connection(int fd) {
            if (fd >= conns.length) {
                conns = Arrays.copyOf(conns, Math.max(fd + 1, conns.length * 2));
            }
            Conn c = conns[fd];
            if (c == null) {
                c = conns[fd] = new Conn(fd);
            }
            c.reset();
            return c;
        }

        void onEvents(Conn c, int events) {
            if (!c.open) {
                return;
            }
            try {
                if (c.hasUnsent()) { // registered for WRITABLE only: input waits until our replies are out
                    if ((events & (Poller.HANGUP | Poller.ERROR)) != 0) {
                        close(c); // the peer is gone or broken; the hang-up would be reported again and again
                    } else {
                        flush(c);
                    }
                } else {
                    onReadable(c);
                }
            } catch (IOException e) { // ECONNRESET, EPIPE...: that connection is over, the loop goes on
                close(c);
            }
        }

        /** One read (level-triggered: if more is queued the poller says so again), then every complete request. */
        void onReadable(Conn c) throws IOException {
            if (c.lingering) {
                if (SocketIo.read(c.fd, in) < 0) {
                    close(c); // the client saw our error reply and closed: done
                }
                return;
            }
            int r;
            if (c.carried == 0) {
                r = SocketIo.read(c.fd, in); // the usual case: a whole request in one read
            } else { // the request so far, then what follows it (rare: a request split across reads)
                MemorySegment.copy(c.carry, 0, in, ValueLayout.JAVA_BYTE, 0, c.carried);
                r = SocketIo.read(c.fd, in.asSlice(c.carried));
            }
            if (r == 0) { // EAGAIN: nothing there yet (with deferral: a client slower than the timeout)
                want(c, Poller.READABLE);
                return;
            }
            if (r < 0) { // end of stream: the client closed (between keep-alive requests, as usual)
                close(c);
                return;
            }
            int end = c.carried + r;
            c.carried = 0;
            int pos = 0;
            while (pos < end && c.open && !c.lingering && c.afterSend == Conn.KEEP_OPEN) {
                if (c.bodyToSkip > 0) { // this example ignores request bodies
                    int skip = (int) Math.min(c.bodyToSkip, end - pos);
                    c.bodyToSkip -= skip;
                    pos += skip;
                    continue;
                }
                int used = answer(c, pos, end);
                if (used == 0) { // incomplete request: keep it for the next read
                    if (c.carry == null) {
                        c.carry = new byte[BUFFER];
                    }
                    MemorySegment.copy(in, ValueLayout.JAVA_BYTE, pos, c.carry, 0, end - pos);
                    c.carried = end - pos;
                    break;
                }
                pos += used;
            }
            if (c.open && !c.lingering) {
                want(c, c.hasUnsent() ? Poller.WRITABLE : Poller.READABLE);
            }
        }

        /**
         * Answers the request that starts at {@code in[start]} if its header block is complete.
         *
         * @return bytes consumed (header block plus the part of the body in the buffer), 0 if incomplete
         */
        int answer(Conn c, int first, int end) throws IOException {
            int start = first;
            while (start < end && (at(start) == '\r' || at(start) == '\n')) {
                start++; // empty lines before a request line are ignored (RFC 9112 section 2.2)
            }
            if (start == end) {
                return end - first;
            }
            int headEnd = endOfHead(start, end);
            if (headEnd < 0) {
                int eol = indexOf('\n', start, end);
                if (end - first >= BUFFER) {
                    fail(c, TOO_LARGE); // the buffer is full and the blank line is not in it
                } else if (eol >= 0 && !parseRequestLine(start, eol)) {
                    fail(c, BAD_REQUEST); // no need to wait for the rest of a request that is already wrong
                } else {
                    return 0;
                }
                return end - first;
            }
            if (!parseRequestLine(start, indexOf('\n', start, end)) || !parseHeaders(start, headEnd)
                    || (http11 && !hasHost)) { // RFC 9112 section 3.2: an HTTP/1.1 request without Host gets 400
                fail(c, BAD_REQUEST);
                return end - first;
            }
            if (hasTransferEncoding) { // a chunked body would have to be decoded to find the next request
                fail(c, NOT_IMPLEMENTED);
                return end - first;
            }
            boolean keepAlive = !closeToken && (http11 || keepAliveToken);
            Reply reply = !keepAlive ? OK_CLOSE : http11 ? OK_KEEP_ALIVE : OK_KEEP_ALIVE_10;
            send(c, head ? reply.head() : reply.full());
            if (!keepAlive) {
                finish(c, Conn.CLOSE);
            }
            int inBuffer = (int) Math.min(contentLength, end - headEnd);
            c.bodyToSkip = contentLength - inBuffer;
            return headEnd - first + inBuffer;
        }

        /** Writes a reply; what the socket does not take now waits in the connection (rare). */
        void send(Conn c, MemorySegment reply) throws IOException {
            long written = c.hasUnsent() ? 0 : SocketIo.write(c.fd, reply);
            if (written == reply.byteSize()) {
                return; // the usual case: a short reply into an empty socket buffer
            }
            MemorySegment rest = reply.asSlice(written);
            if (c.unsent == null || c.unsent.capacity() - c.unsent.remaining() < rest.byteSize()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(1024, 2 * (c.hasUnsent() ? c.unsent.remaining() : 0)
                        + (int) rest.byteSize()));
                if (c.unsent != null) {
                    bigger.put(c.unsent);
                }
                c.unsent = bigger.flip();
            }
            c.unsent.compact().put(rest.asByteBuffer()).flip();
        }

        /** WRITABLE: the socket has room again for the replies that waited. */
        void flush(Conn c) throws IOException {
            SocketIo.write(c.fd, c.unsent);
            if (!c.unsent.hasRemaining()) {
                if (c.afterSend == Conn.KEEP_OPEN) {
                    want(c, Poller.READABLE); // and the requests that arrived meanwhile are read now
                } else {
                    finish(c, c.afterSend);
                }
            }
        }

        /** Error replies: 400, 431 and 501 end the connection. */
        void fail(Conn c, Reply reply) throws IOException {
            send(c, reply.full());
            finish(c, Conn.LINGER);
        }

        /**
         * Ends the connection once its replies are out. CLOSE after a request that was read completely;
         * LINGER after an error, when the client may still be sending: closing a socket with unread input
         * sends a reset, which can destroy the error reply before the client reads it. So shut our side
         * down (the client reads the reply, then end of stream), discard what comes, and close on the
         * client's end of stream, or after a while (nginx's lingering close).
         */
        void finish(Conn c, int how) throws IOException {
            c.afterSend = how;
            if (c.hasUnsent()) {
                return; // flush() comes back here
            }
            if (how == Conn.CLOSE) {
                close(c);
            } else {
                SocketIo.shutdownOutput(c.fd);
                c.lingering = true;
                c.lingerUntil = System.nanoTime() + LINGER_NANOS;
                lingering.add(new Linger(c.fd, c.lingerUntil));
                want(c, Poller.READABLE);
            }
        }

        /** Registers the connection for {@code interest}, or changes its registration, if needed. */
        void want(Conn c, int interest) throws IOException {
            if (!c.registered) {
                poller.add(c.fd, interest, c.fd);
                c.registered = true;
            } else if (c.interest != interest) {
                poller.modify(c.fd, interest, c.fd);
            }
            c.interest = interest;
        }

        void close(Conn c) {
            c.open = false;
            try {
                SocketIo.close(c.fd); // also takes it out of the poller's set
            } catch (IOException e) {
                // nothing to do: the fd is released whatever close reports
            }
        }

        /** Poll without a timeout unless a back-off or a lingering close is due. */
        long pollTimeoutMillis() {
            if (!acceptPaused && lingering.isEmpty()) {
                return -1;
            }
            long due = acceptPaused ? acceptResumeAt : Long.MAX_VALUE;
            if (!lingering.isEmpty() && lingering.peek().deadline() - due < 0) {
                due = lingering.peek().deadline();
            }
            return Math.max(0, (due - System.nanoTime() + 999_999) / 1_000_000);
        }

        void runTimers() throws IOException {
            if (!acceptPaused && lingering.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            if (acceptPaused && now - acceptResumeAt >= 0) {
                acceptPaused = false;
                // Watch the listener again; if connections are still queued the next poll reports it
                // at once (level-triggered), and tryAccept takes as many as there are fds for.
                poller.modify(listener, Poller.READABLE, LISTENER);
            }
            while (!lingering.isEmpty() && now - lingering.peek().deadline() >= 0) {
                Linger l = lingering.poll();
                Conn c = conns[l.fd()];
                if (c.open && c.lingering && c.lingerUntil == l.deadline()) { // not a later connection on that fd
                    close(c);
                }
            }
        }

        // ---- HTTP/1.1 request head parsing (RFC 9112), in place in the native buffer ----

        byte at(int i) {
            return in.get(ValueLayout.JAVA_BYTE, i);
        }

        int indexOf(char b, int from, int to) {
            for (int i = from; i < to; i++) {
                if (at(i) == b) {
                    return i;
                }
            }
            return -1;
        }

        /** Index just past the blank line that ends the head (CRLF CRLF, or bare LF as RFC 9112 allows), or -1. */
        int endOfHead(int start, int end) {
            for (int i = indexOf('\n', start, end); i >= 0 && i + 1 < end; i = indexOf('\n', i + 1, end)) {
                if (at(i + 1) == '\n') {
                    return i + 2;
                }
                if (at(i + 1) == '\r' && i + 2 < end && at(i + 2) == '\n') {
                    return i + 3;
                }
            }
            return -1;
        }

        /** method SP request-target SP HTTP/1.x CRLF; sets http11 and head. */
        boolean parseRequestLine(int start, int eol) {
            int i = start;
            while (i < eol && isTokenChar(at(i))) {
                i++;
            }
            if (i == start || at(i) != ' ') {
                return false;
            }
            head = i - start == 4 && at(start) == 'H' && at(start + 1) == 'E' && at(start + 2) == 'A' && at(start + 3) == 'D';
            int target = ++i;
            while (i < eol && at(i) > ' ' && at(i) < 127) {
                i++;
            }
            if (i == target || at(i) != ' ') {
                return false;
            }
            int version = i + 1;
            int lineEnd = at(eol - 1) == '\r' ? eol - 1 : eol;
            if (lineEnd - version != 8 || !matches(version, "HTTP/1.") || (at(version + 7) != '0' && at(version + 7) != '1')) {
                return false;
            }
            http11 = at(version + 7) == '1';
            return true;
        }

        /** The header fields this server acts on; false if a line is malformed. */
        boolean parseHeaders(int start, int headEnd) {
            closeToken = false;
            keepAliveToken = false;
            hasHost = false;
            hasTransferEncoding = false;
            contentLength = 0;
            boolean seenLength = false;
            int line = indexOf('\n', start, headEnd) + 1;
            while (true) {
                int eol = indexOf('\n', line, headEnd);
                int lineEnd = eol > line && at(eol - 1) == '\r' ? eol - 1 : eol;
                if (lineEnd == line) {
                    return true; // the blank line
                }
                int colon = indexOf(':', line, lineEnd);
                if (colon <= line) {
                    return false; // no name, or a folded continuation line (obsolete, RFC 9112 section 5.2)
                }
                for (int i = line; i < colon; i++) {
                    if (!isTokenChar(at(i))) {
                        return false; // including whitespace before the colon (RFC 9112 section 5.1)
                    }
                }
                int value = colon + 1;
                int valueEnd = lineEnd;
                while (value < valueEnd && (at(value) == ' ' || at(value) == '\t')) {
                    value++;
                }
                while (valueEnd > value && (at(valueEnd - 1) == ' ' || at(valueEnd - 1) == '\t')) {
                    valueEnd--;
                }
                if (nameIs(line, colon, "connection")) {
                    connectionTokens(value, valueEnd);
                } else if (nameIs(line, colon, "host")) {
                    hasHost = true;
                } else if (nameIs(line, colon, "transfer-encoding")) {
                    hasTransferEncoding = true;
                } else if (nameIs(line, colon, "content-length")) {
                    long n = 0;
                    if (value == valueEnd || valueEnd - value > 18) {
                        return false;
                    }
                    for (int i = value; i < valueEnd; i++) {
                        if (at(i) < '0' || at(i) > '9') {
                            return false;
                        }
                        n = n * 10 + (at(i) - '0');
                    }
                    if (seenLength && n != contentLength) {
                        return false; // conflicting lengths (RFC 9112 section 6.3)
                    }
                    seenLength = true;
                    contentLength = n;
                }
                line = eol + 1;
            }
        }

        /** Connection: a comma-separated list of options, case-insensitive. */
        void connectionTokens(int from, int to) {
            int i = from;
            while (i < to) {
                while (i < to && (at(i) == ' ' || at(i) == '\t' || at(i) == ',')) {
                    i++;
                }
                int t = i;
                while (i < to && at(i) != ',' && at(i) != ' ' && at(i) != '\t') {
                    i++;
                }
                closeToken |= nameIs(t, i, "close");
                keepAliveToken |= nameIs(t, i, "keep-alive");
            }
        }

        /** Case-insensitive comparison with a lower-case ASCII name, in place. */
        boolean nameIs(int from, int to, String lower) {
            if (to - from != lower.length()) {
                return false;
            }
            for (int i = 0; i < lower.length(); i++) {
                int b = at(from + i);
                if ((b >= 'A' && b <= 'Z' ? b + 32 : b) != lower.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        boolean matches(int from, String ascii) {
            for (int i = 0; i < ascii.length(); i++) {
                if (at(from + i) != ascii.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        /** tchar of RFC 9110 section 5.6.2: the characters of a method or a header name. */
        static boolean isTokenChar(byte b) {
            return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                    || (b > ' ' && b < 127 && "!#$%&'*+-.^_`|~".indexOf(b) >= 0);
        }
    }
}
