#ifndef CEXECNET_SYSTEM_H
#define CEXECNET_SYSTEM_H

// What Glibc's Swift module does not bring: epoll, whose event struct is
// packed on x86_64 and so is handled here, on the C side.

#ifdef __linux__
#include <stdint.h>
#include <sys/epoll.h>

static const uint32_t cexecnet_epoll_in = EPOLLIN;
static const uint32_t cexecnet_epoll_out = EPOLLOUT;
static const uint32_t cexecnet_epoll_err = EPOLLERR;
static const uint32_t cexecnet_epoll_hup = EPOLLHUP;

static inline int cexecnet_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

/// op: EPOLL_CTL_ADD (1), EPOLL_CTL_DEL (2) or EPOLL_CTL_MOD (3); the
/// descriptor itself is the event's data.
static inline int cexecnet_epoll_control(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event event = { .events = events, .data = { .fd = fd } };
    return epoll_ctl(epfd, op, fd, &event);
}

/// Waits like epoll_wait; the ready descriptors and their events are
/// stored in `fds` and `events` (room for `max` each).
static inline int cexecnet_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout) {
    struct epoll_event ready[8];
    if (max > 8) max = 8;
    int count = epoll_wait(epfd, ready, max, timeout);
    for (int i = 0; i < count; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ready[i].events;
    }
    return count;
}
#endif

#endif
