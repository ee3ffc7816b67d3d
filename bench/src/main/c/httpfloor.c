/*
 * The C floor of the end-to-end benchmark: the least a single-thread HTTP/1.1 server on epoll can do
 * per connection, so that the Java rows have a fixed point to be compared with on the same machine.
 *
 * One thread, level-triggered epoll(7), listener on 127.0.0.1:PORT (backlog 4096),
 * accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) until EAGAIN (accept(2)). Any request gets "200 OK" and a
 * 13-byte body; the connection stays open (keep-alive, for the sanity rows) unless the request says
 * "Connection: close" or is HTTP/1.0 without "Connection: keep-alive", in which case the reply says
 * "Connection: close" and the server closes after writing it (RFC 9112 section 9.6).
 *
 * With DEFER_SECONDS > 0 the listener gets TCP_DEFER_ACCEPT (tcp(7)): the kernel queues a connection
 * only once request bytes arrived, so the accepted fd is read at once instead of being registered and
 * waited for (nginx does the same after a deferred accept); the rare EAGAIN falls back to epoll.
 *
 * Bounded: exits when its stdin reaches EOF (the driver closes it, or dies), so it never outlives the
 * benchmark. Loopback only.
 *
 * usage: httpfloor PORT DEFER_SECONDS
 * prints: "listening on 127.0.0.1:PORT" once it accepts
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define BUF 4096

static const char REPLY_KEEP[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world\n";
static const char REPLY_CLOSE[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, world\n";

/* Per-connection bytes of a request not yet complete, indexed by fd (fds are small and dense). */
struct conn { int len; char buf[BUF]; };
static struct conn **conns;
static int nconns;
static int ep;

static struct conn *conn_of(int fd) {
    if (fd >= nconns) {
        int n = nconns ? nconns : 1024;
        while (n <= fd) n *= 2;
        conns = realloc(conns, (size_t) n * sizeof *conns);
        if (!conns) { perror("realloc"); exit(2); }
        memset(conns + nconns, 0, (size_t) (n - nconns) * sizeof *conns);
        nconns = n;
    }
    if (!conns[fd]) {
        conns[fd] = malloc(sizeof **conns);
        if (!conns[fd]) { perror("malloc"); exit(2); }
    }
    return conns[fd];
}

static void finish(int fd) {
    if (fd < nconns && conns[fd]) conns[fd]->len = 0;
    close(fd); /* also leaves the epoll set */
}

/* Does the header block [h, h+n) ask to close? Case-insensitive header name and token. */
static int wants_close(const char *h, int n) {
    const char *eol = memchr(h, '\n', (size_t) n);
    int http10 = eol && eol - h >= 9 && memcmp(eol - 9, "HTTP/1.0", 8) == 0;
    int close_tok = 0, keep_tok = 0;
    for (const char *p = eol ? eol + 1 : h + n; p < h + n;) {
        const char *e = memchr(p, '\n', (size_t) (h + n - p));
        if (!e) break;
        if (e - p > 11 && strncasecmp(p, "connection:", 11) == 0) {
            for (const char *q = p + 11; q + 5 <= e; q++) {
                if (strncasecmp(q, "close", 5) == 0) close_tok = 1;
                if (q + 10 <= e && strncasecmp(q, "keep-alive", 10) == 0) keep_tok = 1;
            }
        }
        p = e + 1;
    }
    return close_tok || (http10 && !keep_tok);
}

/*
 * Reads what is there and answers every complete request in it.
 * Returns 1 when the fd is finished (closed), 0 when it stays open (more to read, keep-alive).
 */
static int serve(int fd) {
    struct conn *c = NULL;
    char local[BUF];
    char *buf = local;
    int len = 0;
    if (fd < nconns && conns[fd] && conns[fd]->len > 0) { c = conns[fd]; buf = c->buf; len = c->len; }
    for (;;) {
        int room = BUF - len;
        ssize_t r = read(fd, buf + len, (size_t) room);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) { finish(fd); return 1; }
        if (r < 0) {
            if (errno == EINTR) continue;
            break; /* EAGAIN: everything there has been read */
        }
        len += (int) r;
        int start = 0;
        for (;;) {
            char *end = memmem(buf + start, (size_t) (len - start), "\r\n\r\n", 4);
            if (!end) break;
            int hlen = (int) (end + 4 - (buf + start));
            int closing = wants_close(buf + start, hlen);
            const char *reply = closing ? REPLY_CLOSE : REPLY_KEEP;
            size_t rlen = closing ? sizeof REPLY_CLOSE - 1 : sizeof REPLY_KEEP - 1;
            /* A short reply into a socket buffer that holds at most a few replies: never short here. */
            if (send(fd, reply, rlen, MSG_NOSIGNAL) != (ssize_t) rlen || closing) { finish(fd); return 1; }
            start += hlen;
        }
        if (start > 0) { memmove(buf, buf + start, (size_t) (len - start)); len -= start; }
        if (len == BUF) { finish(fd); return 1; } /* header block larger than the buffer */
        if (r < room) break; /* the read did not fill the buffer: nothing more is queued */
    }
    if (len > 0 && buf == local) { c = conn_of(fd); memcpy(c->buf, local, (size_t) len); }
    if (c) c->len = len;
    return 0;
}

static void add(int fd) {
    struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) { perror("epoll_ctl"); exit(2); }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: httpfloor PORT DEFER_SECONDS\n");
        return 2;
    }
    int port = atoi(argv[1]), defer = atoi(argv[2]);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short) port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(lfd, (struct sockaddr *) &a, sizeof a) < 0 || listen(lfd, 4096) < 0) { perror("bind/listen"); return 2; }
    if (defer > 0 && setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof defer) < 0) {
        perror("setsockopt(TCP_DEFER_ACCEPT)");
        return 2;
    }
    socklen_t alen = sizeof a;
    getsockname(lfd, (struct sockaddr *) &a, &alen);
    ep = epoll_create1(EPOLL_CLOEXEC);
    add(lfd);
    /* stdin: EOF or hang-up means the driver is gone. Best effort: epoll refuses regular files. */
    struct epoll_event in = { .events = EPOLLIN, .data.fd = 0 };
    epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
    printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);

    struct epoll_event evs[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (n < 0) { if (errno == EINTR) continue; perror("epoll_wait"); return 2; }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == 0) return 0;
            if (fd != lfd) { serve(fd); continue; }
            for (;;) {
                int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0) {
                    if (errno == EINTR || errno == ECONNABORTED) continue;
                    break; /* EAGAIN (drained), or EMFILE and the like: retry on the next event */
                }
                /* Deferred: the request is (almost always) there already; read it now, epoll only on EAGAIN. */
                if (defer > 0 && serve(c)) continue;
                add(c);
            }
        }
    }
}
