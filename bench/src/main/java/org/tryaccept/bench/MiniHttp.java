package org.tryaccept.bench;

import java.nio.charset.StandardCharsets;

/**
 * The least HTTP/1.1 the end-to-end servers need, the same for every Java server (and the same rules
 * as httpfloor.c): find the end of a header block, and decide whether the connection closes after the
 * reply ("Connection: close", or HTTP/1.0 without "keep-alive": RFC 9112 section 9.3 and 9.6). Any
 * request gets 200 and a short body; a body in the request is not expected (wrk sends GET).
 */
final class MiniHttp {
    static final byte[] KEEP = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n"
            + "Hello, world\n").getBytes(StandardCharsets.US_ASCII);
    static final byte[] CLOSE = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
            + "Connection: close\r\n\r\nHello, world\n").getBytes(StandardCharsets.US_ASCII);

    private MiniHttp() {
    }

    /** @return the index just past the first CRLFCRLF in b[from, to), or -1 */
    static int headerEnd(byte[] b, int from, int to) {
        for (int i = from; i + 3 < to; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    /** Does the header block b[from, end) ask to close the connection after the reply? */
    static boolean wantsClose(byte[] b, int from, int end) {
        int eol = indexOf(b, from, end, (byte) '\n');
        boolean http10 = eol - from >= 9 && regionIs(b, eol - 9, "HTTP/1.0");
        boolean close = false;
        boolean keep = false;
        for (int p = eol + 1; p < end; ) {
            int e = indexOf(b, p, end, (byte) '\n');
            if (e < 0) {
                break;
            }
            if (e - p > 11 && regionIs(b, p, "connection:")) {
                for (int q = p + 11; q + 5 <= e; q++) {
                    close |= regionIs(b, q, "close");
                    keep |= q + 10 <= e && regionIs(b, q, "keep-alive");
                }
            }
            p = e + 1;
        }
        return close || (http10 && !keep);
    }

    private static int indexOf(byte[] b, int from, int to, byte x) {
        for (int i = from; i < to; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /** ASCII case-insensitive comparison of b[at, at + lower.length()) with a lower-case string. */
    private static boolean regionIs(byte[] b, int at, String lower) {
        if (at < 0 || at + lower.length() > b.length) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            int c = b[at + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != Character.toLowerCase(lower.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
