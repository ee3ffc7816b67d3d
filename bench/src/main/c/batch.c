/* Batch experiment (issue 11 item 4; not built by bench/run: gcc -O2 -o batch batch.c && ./batch 400): k connections pending per wake-up, drained by
 * (a) per-connection race-free protocol: [epoll_wait(0) + dup + accept4 + close(dup)] per connection, + 1 final epoll_wait
 * (b) batch, one dup per wake-up: epoll_wait + dup + accept4 until EAGAIN + close(dup)
 * (c) batch, one dup per wake-up, readiness between accepts: epoll_wait + dup + [accept4 + epoll_wait] * k + close(dup)
 * (d) acceptLock mode: [epoll_wait(0) + accept4] per connection, + 1 final epoll_wait
 * Only the drain is timed; connects and closes are outside the clock. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#define F (SOCK_NONBLOCK | SOCK_CLOEXEC)
static int ep, lfd; static struct sockaddr_in to;
static long now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec; }
static int ready(void) { struct epoll_event o[16]; return epoll_wait(ep, o, 16, 0); }
static int acc(int fd) { struct sockaddr_storage ss; socklen_t l = sizeof ss; return accept4(fd, (struct sockaddr *) &ss, &l, F); }
int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 300;
    lfd = socket(AF_INET, SOCK_STREAM | F, 0);
    memset(&to, 0, sizeof to); to.sin_family = AF_INET; to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *) &to, sizeof to) || listen(lfd, 4096)) return 1;
    socklen_t sl = sizeof to; getsockname(lfd, (struct sockaddr *) &to, &sl);
    ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 }; epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    int ks[] = {1, 8, 64}; const char *names[] = {"a per-conn dup", "b batch dup, EAGAIN ends", "c batch dup, epoll between", "d acceptLock (no dup)"};
    static int cl[64], ac[65];
    for (int ki = 0; ki < 3; ki++) {
        int k = ks[ki]; double sum[4] = {0};
        for (int r = 0; r < rounds; r++) for (int m = 0; m < 4; m++) {
            int mm = (m + r) % 4;
            for (int i = 0; i < k; i++) {
                cl[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                struct linger lg = {1, 0}; setsockopt(cl[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
                if (connect(cl[i], (struct sockaddr *) &to, sizeof to)) { perror("connect"); return 1; }
            }
            int n = 0; long t0 = now();
            if (mm == 0 || mm == 3) {
                while (ready() > 0) {
                    if (mm == 0) { int d = fcntl(lfd, F_DUPFD_CLOEXEC, 0); int a = acc(d); close(d); if (a >= 0) ac[n++] = a; }
                    else { int a = acc(lfd); if (a >= 0) ac[n++] = a; }
                }
            } else {
                if (ready() > 0) {
                    int d = fcntl(lfd, F_DUPFD_CLOEXEC, 0);
                    for (;;) { int a = acc(d); if (a < 0) break; ac[n++] = a; if (mm == 2 && ready() <= 0) break; }
                    close(d);
                }
            }
            long t = now() - t0;
            if (n != k) { fprintf(stderr, "mode %d k %d got %d\n", mm, k, n); return 1; }
            sum[mm] += (double) t / k;
            for (int i = 0; i < k; i++) { close(cl[i]); close(ac[i]); }
        }
        for (int m = 0; m < 4; m++) printf("k=%2d %-28s %7.0f ns per connection (%.3fx a)\n", k, names[m], sum[m] / rounds, sum[m] / sum[0]);
    }
    return 0;
}
