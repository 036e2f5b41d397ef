#ifndef SWITCHBOARD_CSYSTEM_SHIM_H
#define SWITCHBOARD_CSYSTEM_SHIM_H
/* Linux headers Glibc's Swift overlay does not expose. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>

/* EPOLL* constants are enum members in C; give Swift plain uint32_t values. */
static inline uint32_t sb_epollin(void) { return EPOLLIN; }
static inline uint32_t sb_epollout(void) { return EPOLLOUT; }
static inline uint32_t sb_epollerr(void) { return EPOLLERR; }
static inline uint32_t sb_epollhup(void) { return EPOLLHUP; }
static inline uint32_t sb_epollrdhup(void) { return EPOLLRDHUP; }

/* accept4 is a GNU extension Glibc's module hides without _GNU_SOURCE. */
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
static inline int sb_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) { return accept4(fd, addr, len, flags); }

/* Names the calling thread as the kernel shows it (ps -L, top -H; 15 bytes kept). prctl is
   variadic, which Swift cannot call; pthread_setname_np is hidden without _GNU_SOURCE. */
static inline int sb_set_thread_name(const char *name) { return prctl(PR_SET_NAME, (unsigned long)name, 0UL, 0UL, 0UL); }
#endif
