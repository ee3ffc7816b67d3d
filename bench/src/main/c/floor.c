/*
 * The C floor for the JMH scenarios, built with gcc when the benchmark runs and bound into JMH with
 * FFM. Each function loops n times inside C, so one downcall is amortised over n operations and JMH
 * reports (via @OperationsPerInvocation) the cost of the system calls alone: the floor a Java row is
 * compared against, measured in the same JMH run, on the same machine, with the same statistics.
 *
 * Return values: n on success, a negative errno on failure (the Java side turns that into an error).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)

/* A non-blocking listener on 127.0.0.1 with an ephemeral port, like the JDK listener of the Java rows. */
int floor_listen(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *) &a, sizeof a) < 0 || listen(fd, 4096) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int floor_port(int fd) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *) &a, &len) < 0) return -errno;
    return ntohs(a.sin_port);
}

int floor_close(int fd) {
    return close(fd) < 0 ? -errno : 0;
}

/* Nothing pending: the failing accept4 (EAGAIN) that an exception-free accept must avoid paying for. */
long floor_accept_empty(int lfd, int n) {
    struct sockaddr_storage ss;
    for (int i = 0; i < n; i++) {
        socklen_t len = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *) &ss, &len, ACCEPT_FLAGS);
        if (fd >= 0) { close(fd); return -EEXIST; }
        if (errno != EAGAIN) return -errno;
    }
    return n;
}

/* Nothing pending: the readiness check tryAccept makes instead (poll, timeout 0). */
long floor_poll_empty(int lfd, int n) {
    struct pollfd p;
    for (int i = 0; i < n; i++) {
        p.fd = lfd; p.events = POLLIN; p.revents = 0;
        int r = poll(&p, 1, 0);
        if (r < 0) return -errno;
        if (r != 0) return -EEXIST;
    }
    return n;
}

/*
 * Nothing pending: the readiness check tryAccept makes on Linux, epoll_wait(timeout 0) on an epoll
 * instance the listener is registered with (level-triggered), as the library's process-wide instance.
 * The instance is made once per listener and kept, as in the library.
 */
long floor_epoll_empty(int lfd, int n) {
    static int ep = -1, ep_lfd = -1;
    if (ep < 0 || ep_lfd != lfd) {
        if (ep >= 0) close(ep);
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0) return -errno;
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) return -errno;
        ep_lfd = lfd;
    }
    struct epoll_event out[16];
    for (int i = 0; i < n; i++) {
        int r = epoll_wait(ep, out, 16, 0);
        if (r < 0) return -errno;
        if (r != 0) return -EEXIST;
    }
    return n;
}

/*
 * The client half, the same calls as the FFM client of the Java rows: SO_LINGER {1, 0} and a blocking
 * connect on loopback. The zero linger makes the client's close send RST, so no cycle leaves a
 * TIME_WAIT socket behind: hundreds of thousands of cycles would otherwise fill the kernel's TIME_WAIT
 * table (tcp_max_tw_buckets) within seconds and make connect's port search, not accept, the thing
 * measured, differently from run to run.
 */
static int client(const struct sockaddr_in *to) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0) return -errno;
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    if (setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0) { int e = errno; close(c); return -e; }
    if (connect(c, (const struct sockaddr *) to, sizeof *to) < 0) { int e = errno; close(c); return -e; }
    return c;
}

static void loopback(struct sockaddr_in *a, int port) {
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((unsigned short) port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* connect + accept4 + close both: the floor of the accept cycle. */
long floor_cycle(int lfd, int port, int n) {
    struct sockaddr_in to;
    struct sockaddr_storage ss;
    loopback(&to, port);
    for (int i = 0; i < n; i++) {
        int c = client(&to);
        if (c < 0) return c;
        int a;
        do {
            socklen_t len = sizeof ss;
            a = accept4(lfd, (struct sockaddr *) &ss, &len, ACCEPT_FLAGS);
        } while (a < 0 && errno == EAGAIN); /* loopback handshakes finish inside connect; rare */
        if (a < 0) { int e = errno; close(c); return -e; }
        close(c);
        close(a);
    }
    return n;
}

/*
 * The same cycle with tryAccept's algorithm done in C: poll(POLLIN, 0), fcntl(F_DUPFD_CLOEXEC),
 * accept4 on the duplicate, close(duplicate). The gap between this row and floor_cycle is what the
 * algorithm's extra system calls cost; the gap between it and the Java rows is what Java/FFM adds.
 */
long floor_cycle_algorithm(int lfd, int port, int n) {
    struct sockaddr_in to;
    struct sockaddr_storage ss;
    loopback(&to, port);
    for (int i = 0; i < n; i++) {
        int c = client(&to);
        if (c < 0) return c;
        int a = -1;
        for (;;) {
            struct pollfd p = { .fd = lfd, .events = POLLIN, .revents = 0 };
            if (poll(&p, 1, 0) <= 0) continue;
            int d = fcntl(lfd, F_DUPFD_CLOEXEC, 0);
            if (d < 0) { int e = errno; close(c); return -e; }
            socklen_t len = sizeof ss;
            a = accept4(d, (struct sockaddr *) &ss, &len, ACCEPT_FLAGS);
            int e = errno;
            close(d);
            if (a >= 0) break;
            if (e != EAGAIN) { close(c); return -e; }
        }
        close(c);
        close(a);
    }
    return n;
}

/*
 * The same cycle with the jdk-acceptlock mode's system calls: epoll_wait(timeout 0) on an epoll instance
 * the listener is registered with (the readiness check), then accept4 on the listener's own fd. The
 * locks that make that fd safe to use are Java-side and cost no system call.
 */
long floor_cycle_epoll(int lfd, int port, int n) {
    static int ep = -1, ep_lfd = -1;
    if (ep < 0 || ep_lfd != lfd) {
        if (ep >= 0) close(ep);
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0) return -errno;
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0) return -errno;
        ep_lfd = lfd;
    }
    struct sockaddr_in to;
    struct sockaddr_storage ss;
    struct epoll_event out[16];
    loopback(&to, port);
    for (int i = 0; i < n; i++) {
        int c = client(&to);
        if (c < 0) return c;
        int a = -1;
        for (;;) {
            int r = epoll_wait(ep, out, 16, 0);
            if (r < 0) { int e = errno; close(c); return -e; }
            if (r == 0) continue;
            socklen_t len = sizeof ss;
            a = accept4(lfd, (struct sockaddr *) &ss, &len, ACCEPT_FLAGS);
            if (a >= 0) break;
            if (errno != EAGAIN) { int e = errno; close(c); return -e; }
        }
        close(c);
        close(a);
    }
    return n;
}

/*
 * The constants and the epoll_event layout the Java epoll bindings use, as this machine's headers
 * define them; the Java side compares before it runs (the notes do not list epoll values).
 */
int floor_constants(int *out, int n) {
    int v[] = {
        EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD,
        EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP, EPOLLET,
        (int) sizeof(struct epoll_event), (int) offsetof(struct epoll_event, data),
        POLLIN, F_DUPFD_CLOEXEC, SOCK_NONBLOCK, SOCK_CLOEXEC, EAGAIN, EINPROGRESS, AF_INET, SOCK_STREAM,
        F_GETFL, O_NONBLOCK, SOL_SOCKET, SO_LINGER, (int) sizeof(struct linger),
    };
    int count = (int) (sizeof v / sizeof v[0]);
    for (int i = 0; i < count && i < n; i++) out[i] = v[i];
    return count;
}
