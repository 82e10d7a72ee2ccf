/* jbox attach (PROTOCOL.md "Attaching"): the client end of a detached sandbox's attach socket.
 * It checks that the monitor runs as our uid, puts the terminal in raw mode (for a -t sandbox),
 * relays stdin to the monitor and the sandbox's output to stdout in frames, sends the window size
 * at the start and on every SIGWINCH, and leaves on the detach key sequence (the sandbox runs on)
 * or when the monitor reports the sandbox's exit status, which becomes ours.
 *
 * Frames, both ways: u8 type, u16 length (little-endian), payload.
 *   client -> monitor: 'd' input bytes, 'w' rows+cols (2 x u16), 'e' end of input (no -t)
 *   monitor -> client: 'd' output bytes, 'x' exit status (1 byte), 'b' another client is attached
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "monitor.h"
#include "util.h"

int frame_send(int fd, char type, const void *buf, size_t n) {
  unsigned char h[3] = {(unsigned char)type, (unsigned char)(n & 0xff), (unsigned char)(n >> 8)};
  struct iovec iov[2] = {{h, sizeof h}, {(void *)buf, n}};
  struct msghdr m = {.msg_iov = iov, .msg_iovlen = n ? 2 : 1};
  size_t left = sizeof h + n;
  while (left > 0) {
    ssize_t w = RETRY(sendmsg(fd, &m, MSG_NOSIGNAL));
    if (w <= 0) return -1;
    left -= (size_t)w;
    while (m.msg_iovlen && (size_t)w >= m.msg_iov->iov_len) w -= (ssize_t)m.msg_iov->iov_len, m.msg_iov++, m.msg_iovlen--;
    if (m.msg_iovlen) m.msg_iov->iov_base = (char *)m.msg_iov->iov_base + w, m.msg_iov->iov_len -= (size_t)w;
  }
  return 0;
}

int attach_sockaddr(int dirfd, struct sockaddr_un *a) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  /* through the directory's fd: a state path too long for sun_path still works */
  snprintf(a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/" ATTACH_SOCK, dirfd);
  return 0;
}

int peer_is_us(int sock) {
  struct ucred cred;
  socklen_t len = sizeof cred;
  return getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == getuid();
}

int attach_connect(const char *dir) {
  autofd int d = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (d < 0) return fail_errno("open state directory `%s`", dir);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return fail_errno("socket");
  struct sockaddr_un a;
  attach_sockaddr(d, &a);
  if (RETRY(connect(s, (struct sockaddr *)&a, sizeof a)) < 0) {
    close(s);
    return fail_errno("connect to the sandbox's monitor (is it running?)");
  }
  if (!peer_is_us(s)) {
    close(s);
    return fail("the attach socket in `%s` is not served by your own monitor", dir);
  }
  return s;
}

static struct termios saved;
static int raw_set;

static void restore(void) {
  if (raw_set) tcsetattr(0, TCSAFLUSH, &saved);
  raw_set = 0;
}

static int send_winsize(int s) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) < 0) return 0; /* not a terminal: nothing to tell */
  unsigned char b[4] = {(unsigned char)(ws.ws_row & 0xff), (unsigned char)(ws.ws_row >> 8),
                        (unsigned char)(ws.ws_col & 0xff), (unsigned char)(ws.ws_col >> 8)};
  return frame_send(s, 'w', b, sizeof b);
}

/* The session on a connected socket; returns the exit status (0 on detach). */
int attach_session(int s, struct plan *p) {
  int tty = p->attach_mode == ATTACH_TTY, input = p->attach_mode != ATTACH_NONE;
  sigset_t mask;
  sigemptyset(&mask);
  int sigs[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&mask, sigs[i]);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  autofd int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) die(125, "signalfd: %s", strerror(errno));
  if (tty && isatty(0) && tcgetattr(0, &saved) == 0) {
    struct termios raw = saved;
    cfmakeraw(&raw);
    raw_set = tcsetattr(0, TCSANOW, &raw) == 0;
  }
  if (tty && send_winsize(s) < 0) {
    restore();
    die(125, "send the window size to the monitor: %s", strerror(errno));
  }
  static char rbuf[32768];
  size_t rlen = 0, matched = 0;
  int stdin_open = input, code = -1;
  while (code < 0) {
    struct pollfd fds[3] = {{sigfd, POLLIN, 0}, {s, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGWINCH) {
          if (tty) send_winsize(s);
        } else {
          code = 128 + (int)si.ssi_signo; /* leave; the sandbox runs on */
        }
      }
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = RETRY(read(s, rbuf + rlen, sizeof rbuf - rlen));
      if (n <= 0) {
        restore();
        die(125, "the sandbox's monitor closed the connection");
      }
      rlen += (size_t)n;
      size_t off = 0;
      while (rlen - off >= 3 && code < 0) {
        unsigned char *h = (unsigned char *)rbuf + off;
        size_t len = (size_t)h[1] | (size_t)h[2] << 8;
        if (rlen - off < 3 + len) break;
        if (h[0] == 'd') {
          write_all(1, h + 3, len);
        } else if (h[0] == 'x' && len == 1) {
          code = h[3];
        } else if (h[0] == 'b') {
          restore();
          die(125, "another jbox attach is connected to this sandbox");
        } else {
          restore();
          die(125, "bad frame %u from the sandbox's monitor", h[0]);
        }
        off += 3 + len;
      }
      memmove(rbuf, rbuf + off, rlen - off);
      rlen -= off;
    }
    if (stdin_open && code < 0 && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
      unsigned char in[1024], out[1024 + DETACH_KEYS_MAX];
      ssize_t n = read(0, in, sizeof in);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        stdin_open = 0;
        if (!tty) frame_send(s, 'e', NULL, 0); /* without a terminal, EOF closes the sandbox's stdin */
        continue;
      }
      /* the detach sequence is held back while it matches, and sent on as typed when it stops matching */
      size_t k = 0;
      int detach = 0;
      for (ssize_t i = 0; i < n && !detach; i++) {
        if (p->n_detach_keys && in[i] == p->detach_keys[matched]) {
          if (++matched == p->n_detach_keys) detach = 1;
          continue;
        }
        memcpy(out + k, p->detach_keys, matched), k += matched;
        matched = 0;
        if (p->n_detach_keys && in[i] == p->detach_keys[0]) matched = 1;
        else out[k++] = in[i];
      }
      if (k && frame_send(s, 'd', out, k) < 0) {
        restore();
        die(125, "send input to the monitor: %s", strerror(errno));
      }
      if (detach) code = 0;
    }
  }
  restore();
  return code < 0 ? 125 : code;
}

int run_attach(struct plan *p) {
  if (close_range(3, ~0U, 0) < 0) die(125, "close_range: %s", strerror(errno));
  int s = attach_connect(p->attach_dir);
  if (s < 0) die(125, "%s", jbox_err);
  int code = attach_session(s, p);
  close(s);
  return code;
}
