/*
 * Connection-churn load generator for the end-to-end benchmark: keeps CONCURRENCY connections in
 * flight against 127.0.0.1:PORT, each one connect, send a short request, read the reply to EOF,
 * close. One thread, epoll, non-blocking. Written in C so that the client costs the same for every
 * server and leaves the most CPU to the server under test.
 *
 * Bounded: it stops after WARMUP_MS + MEASURE_MS, after MAX_CONNS completed connections, or when no
 * connection completes for 5 s (a stalled server), whichever comes first. Only loopback is used.
 *
 * usage: loadgen PORT WARMUP_MS MEASURE_MS CONCURRENCY [close]
 * With "close" the request carries "Connection: close" (for HTTP/1.1 servers that keep connections
 * alive otherwise: the end-to-end benchmark's fallback when wrk is missing).
 * prints: conns=N errors=E seconds=S rate=R   (counted during the measured window only)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 20000000L
#define STALL_NS 5000000000LL

static const char REQUEST_PLAIN[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
static const char REQUEST_CLOSE[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
static const char *request = REQUEST_PLAIN;
static size_t request_len = sizeof REQUEST_PLAIN - 1;
static const int REPLY_LEN = 64; /* must match ChurnServer.REPLY */

enum { CONNECTING = 1, READING = 2 };

struct conn { int fd; int state; int got; };

static struct sockaddr_in server;
static int ep;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void arm(struct conn *c, unsigned events, int op) {
    struct epoll_event e = { .events = events, .data.ptr = c };
    if (epoll_ctl(ep, op, c->fd, &e) < 0) { perror("epoll_ctl"); exit(2); }
}

static int send_request(struct conn *c) {
    ssize_t w = send(c->fd, request, request_len, MSG_NOSIGNAL);
    return w == (ssize_t) request_len ? 0 : -1;
}

/* Opens a connection in slot c; returns 0, or -1 when the attempt failed at once (counted as error). */
static int open_conn(struct conn *c) {
    c->got = 0;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) { perror("socket"); exit(2); }
    int r = connect(c->fd, (struct sockaddr *) &server, sizeof server);
    if (r == 0) {
        if (send_request(c) < 0) { close(c->fd); c->fd = -1; return -1; }
        c->state = READING;
        arm(c, EPOLLIN, EPOLL_CTL_ADD);
        return 0;
    }
    if (errno != EINPROGRESS) { close(c->fd); c->fd = -1; return -1; }
    c->state = CONNECTING;
    arm(c, EPOLLOUT, EPOLL_CTL_ADD);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5 && !(argc == 6 && strcmp(argv[5], "close") == 0)) {
        fprintf(stderr, "usage: loadgen PORT WARMUP_MS MEASURE_MS CONCURRENCY [close]\n");
        return 2;
    }
    if (argc == 6) { request = REQUEST_CLOSE; request_len = sizeof REQUEST_CLOSE - 1; }
    int port = atoi(argv[1]);
    long long warmup = atoll(argv[2]) * 1000000LL, measure = atoll(argv[3]) * 1000000LL;
    int conc = atoi(argv[4]);
    if (port <= 0 || port > 65535 || conc <= 0 || conc > 4096 || measure <= 0) {
        fprintf(stderr, "loadgen: bad arguments\n");
        return 2;
    }
    memset(&server, 0, sizeof server);
    server.sin_family = AF_INET;
    server.sin_port = htons((unsigned short) port);
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    ep = epoll_create1(EPOLL_CLOEXEC);
    struct conn *conns = calloc((size_t) conc, sizeof *conns);
    struct epoll_event *evs = calloc((size_t) conc, sizeof *evs);
    long errors = 0, done = 0, counted = 0, counted_errors = 0;
    for (int i = 0; i < conc; i++) while (open_conn(&conns[i]) < 0) errors++;

    long long start = now_ns(), measure_start = start + warmup, end = measure_start + measure;
    long long last_progress = start;
    char buf[4096];
    for (;;) {
        long long t = now_ns();
        if (t >= end || done >= MAX_CONNS) break;
        if (t - last_progress > STALL_NS) {
            fprintf(stderr, "loadgen: no connection completed for 5 s; giving up\n");
            printf("conns=0 errors=%ld seconds=0 rate=0\n", errors);
            return 3;
        }
        int n = epoll_wait(ep, evs, conc, 100);
        if (n < 0) { if (errno == EINTR) continue; perror("epoll_wait"); return 2; }
        t = now_ns();
        int in_window = t >= measure_start && t < end;
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            int failed = 0, finished = 0;
            if (c->state == CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0 || send_request(c) < 0) failed = 1;
                else { c->state = READING; arm(c, EPOLLIN, EPOLL_CTL_MOD); }
            } else {
                for (;;) {
                    ssize_t r = read(c->fd, buf, sizeof buf);
                    if (r > 0) { c->got += (int) r; continue; }
                    if (r == 0) { if (c->got >= REPLY_LEN) finished = 1; else failed = 1; break; }
                    if (errno == EAGAIN) break;
                    failed = 1;
                    break;
                }
            }
            if (failed || finished) {
                close(c->fd); /* also leaves the epoll set */
                if (finished) { done++; last_progress = t; if (in_window) counted++; }
                else { errors++; if (in_window) counted_errors++; }
                while (open_conn(c) < 0) { errors++; if (in_window) counted_errors++; }
            }
        }
    }
    double secs = (double) measure / 1e9;
    printf("conns=%ld errors=%ld seconds=%.3f rate=%.1f\n", counted, counted_errors, secs, counted / secs);
    return 0;
}
