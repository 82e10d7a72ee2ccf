/* `jbox version`, `jbox logs` and `jbox wait` without the JVM (issue 14): the same answers as
 * VersionCommand, LogsCommand (SandboxLog.Parser) and WaitCommand (SandboxService.waitExit), from
 * the same records read by ps_fast.c's listing. Whatever this file is not sure of returns -1
 * before anything is printed, and the JVM runs. */
#include "read_fast.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "exec_fast.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static const char REF_CHARS[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

/* A SANDBOX word the fast paths take: a name or (part of) an id, nothing picocli reads otherwise
 * (an option, an @file) */
int plain_ref(const char *a) {
  size_t n = strlen(a);
  return n > 0 && n <= 128 && a[0] != '-' && strspn(a, REF_CHARS) == n;
}

/* ---- logs: the command line ---------------------------------------------------------------- */

/* --tail's value as the fast path takes it: -1, 0, or 1-999999999 without a sign or leading zero */
static int tail_value(const char *v, long *out) {
  size_t n = strlen(v);
  if (!strcmp(v, "-1")) return *out = -1, 0;
  if (n == 0 || n > 9 || strspn(v, "0123456789") != n || (n > 1 && v[0] == '0')) return -1;
  *out = strtol(v, NULL, 10);
  return 0;
}

int logs_call_parse(int argc, char **argv, struct logs_call *c) {
  memset(c, 0, sizeof *c);
  c->tail = -2; /* not given */
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--tail") || !strncmp(a, "--tail=", 7)) {
      const char *v = a[6] == '=' ? a + 7 : i + 1 < argc ? argv[++i] : NULL;
      if (!v || c->tail != -2 || tail_value(v, &c->tail)) return -1;
      continue;
    }
    int *flag = !strcmp(a, "--follow") ? &c->follow : !strcmp(a, "--timestamps") ? &c->timestamps : !strcmp(a, "--names") ? &c->names : NULL;
    if (flag) {
      if (*flag) return -1; /* given twice: picocli's */
      *flag = 1;
      continue;
    }
    if (a[0] == '-' && a[1] && a[1] != '-') { /* -f, -t, -n and clusters of them */
      for (const char *p = a + 1; *p; p++) {
        int *f = *p == 'f' ? &c->follow : *p == 't' ? &c->timestamps : *p == 'n' ? &c->names : NULL;
        if (!f || *f) return -1;
        *f = 1;
      }
      continue;
    }
    if (!plain_ref(a) || c->nref == LOGS_REFS_MAX) return -1; /* --, --since, help, an @file...: picocli's */
    c->ref[c->nref++] = a;
  }
  if (c->tail == -2) c->tail = -1;
  return c->nref ? 0 : -1;
}

/* ---- logs: SandboxLog.Parser ----------------------------------------------------------------- */

struct parser {
  struct sbuf part[2];
  const char *part_time[2];
  int part_started[2];
  struct log_entries *out;
  int unsure;
};

static void add(struct parser *ps, const char *time, int err, const char *text, size_t len, int newline) {
  struct log_entries *o = ps->out;
  if (o->n == o->cap) {
    size_t cap = o->cap ? o->cap * 2 : 256;
    struct log_entry *e = cap > LOG_ENTRIES_MAX ? NULL : realloc(o->e, cap * sizeof *e);
    if (!e) {
      ps->unsure = 1;
      return;
    }
    o->e = e;
    o->cap = cap;
  }
  o->e[o->n++] = (struct log_entry){time, err, newline, o->text.len, len};
  sb_put(&o->text, text, len);
}

/* SandboxLog.parseStamp of the bytes before the first space: 1 a time (the monitor's own form),
 * 0 none (an old-format line), -1 what java.time's parser would judge */
static int stamp_kind(const char *s, size_t n) {
  if (n < 20 || s[4] != '-' || s[10] != 'T') return 0;
  long long sec;
  long ns;
  if (n == 30 && s[7] == '-' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[29] == 'Z' && ps_rfc3339_utc(s, n, &sec, &ns) == 0)
    return 1;
  return -1;
}

static void record(struct parser *ps, const char *b, size_t from, size_t to, int terminated) {
  const char *sp = memchr(b + from, ' ', to - from);
  const char *t = NULL;
  int s = -1;
  size_t text = 0;
  int full = 1;
  if (sp) {
    int k = stamp_kind(b + from, (size_t)(sp - (b + from)));
    if (k < 0) ps->unsure = 1;
    if (k > 0) t = b + from;
  }
  if (t) {
    size_t sp1 = (size_t)(sp - b);
    if (to - (sp1 + 1) >= 7 && !memcmp(b + sp1 + 1, "stdout ", 7)) s = 0;
    else if (to - (sp1 + 1) >= 7 && !memcmp(b + sp1 + 1, "stderr ", 7)) s = 1;
    size_t tag = sp1 + 8;
    if (s >= 0 && tag < to && (b[tag] == 'F' || b[tag] == 'P') && (tag + 1 == to || b[tag + 1] == ' ')) {
      full = b[tag] == 'F';
      text = tag + 2 < to ? tag + 2 : to;
    } else {
      s = -1;
    }
  }
  if (s < 0) { /* an older jbox's raw output */
    ps->out->legacy = 1;
    add(ps, NULL, 0, b + from, to - from, terminated);
    return;
  }
  if (ps->part[s].len == 0) ps->part_time[s] = t;
  sb_put(&ps->part[s], b + text, to - text);
  if (ps->part[s].err) ps->unsure = 1;
  if (full) {
    add(ps, ps->part_time[s], s, ps->part[s].p, ps->part[s].len, 1);
    ps->part[s].len = 0;
  }
}

void logs_free(struct log_entries *out) {
  free(out->e);
  sb_free(&out->text);
  memset(out, 0, sizeof *out);
}

int logs_parse(const char *buf, size_t len, struct log_entries *out) {
  memset(out, 0, sizeof *out);
  out->text.max = 2 * (size_t)LOG_FILE_MAX + 64;
  struct parser ps = {.out = out};
  ps.part[0].max = ps.part[1].max = 2 * (size_t)LOG_FILE_MAX;
  size_t start = 0;
  for (size_t i = 0; i < len && !ps.unsure; i++) {
    if (buf[i] != '\n') continue;
    record(&ps, buf, start, i, 1);
    start = i + 1;
  }
  /* finish(): the unterminated record, then each stream's unfinished line */
  if (!ps.unsure && start < len) record(&ps, buf, start, len, 0);
  for (int s = 0; s < 2 && !ps.unsure; s++)
    if (ps.part[s].len > 0) add(&ps, ps.part_time[s], s, ps.part[s].p, ps.part[s].len, 0);
  sb_free(&ps.part[0]);
  sb_free(&ps.part[1]);
  if (ps.unsure || out->text.err) {
    logs_free(out);
    return -1;
  }
  return 0;
}

/* ---- logs: the command ------------------------------------------------------------------------ */

/* What LogsCommand writes, in order: each stream's bytes go out when the other stream's come (the
 * JVM writes both unbuffered, so `2>&1` shows the same order). A failed write is the JVM's error:
 * *failed is set and nothing more is written. */
struct streams {
  struct sbuf pending;
  int fd, failed, error;
};

static void flush_to(struct streams *w) {
  if (w->pending.len && !w->failed && write_all(w->fd, w->pending.p, w->pending.len) < 0) w->failed = 1, w->error = errno;
  w->pending.len = 0;
}

static void emit(struct streams *w, int fd, const char *b, size_t n) {
  if (w->fd != fd) {
    flush_to(w);
    w->fd = fd;
  }
  sb_put(&w->pending, b, n);
  if (w->pending.len > (1u << 16)) flush_to(w);
}

/* the label a message or -n gives: the name, else the short id */
static void label(const struct ps_entry *e, char *out, size_t n) {
  if (e->r.has_name) snprintf(out, n, "%.*s", (int)e->r.name.len, e->r.name.p);
  else snprintf(out, n, "%.12s", e->id);
}

/* log.1 then log of a detached sandbox, joined: 0, or -1 (not sure: too large, a FIFO, an error
 * the JVM reports) */
static int read_logs(const char *root, const char *id, char **buf, size_t *len) {
  char path[PATH_MAX + 96];
  struct sbuf all = {.max = 2 * (size_t)LOG_FILE_MAX};
  static const char *const names[] = {"log.1", "log"};
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/%s/%s", root, id, names[i]);
    char *b = NULL;
    size_t n = 0;
    int r = ps_read_file(path, 0, LOG_FILE_MAX, &b, &n);
    if (r < 0) {
      sb_free(&all);
      return -1;
    }
    if (r == 0) sb_put(&all, b, n);
    free(b);
  }
  if (all.err) {
    sb_free(&all);
    return -1;
  }
  *buf = all.p;
  *len = all.len;
  return 0;
}

struct one_log {
  struct ps_entry *e;
  char *buf; /* the log's bytes, which the entries' times point into */
  struct log_entries log;
};

int logs_fast(int argc, char **argv) {
  struct logs_call c;
  if (jvm_options_set() || logs_call_parse(argc, argv, &c)) return -1;
  if (c.follow && c.nref > 1) return -1; /* the JVM's error */
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  struct ps_list l = {0};
  struct one_log logs[LOGS_REFS_MAX];
  size_t nlogs = 0;
  int rc = -1;
  if (ps_list_load(&l, containers, root)) goto done;
  /* every sandbox found and readable before anything is printed, as the JVM checks them */
  for (size_t i = 0; i < c.nref; i++) {
    struct ps_entry *e = ps_find(&l, c.ref[i]);
    char path[PATH_MAX + 96];
    struct stat st;
    /* unknown, a shell's, a label above ASCII or longer than a name jbox gives (a record made by
     * hand; the label buffers hold 128 bytes and more): the JVM's */
    if (!e || e->r.shell || e->r.nonascii || e->r.name.len > 128) goto done;
    snprintf(path, sizeof path, "%s/%s/state", root, e->id);
    if (lstat(path, &st) < 0) goto done; /* run in the foreground: the JVM's error */
    if (c.follow) { /* -f of a sandbox that is done prints what -f-less logs prints; a live one's is the JVM's */
      struct ps_status s;
      if (ps_status_of(root, containers, e, &s) || s.kind == PS_RUNNING || s.monitor_alive) goto done;
    }
    char *buf = NULL;
    size_t len = 0;
    if (read_logs(root, e->id, &buf, &len)) goto done;
    int r = logs_parse(buf, len, &logs[nlogs].log);
    if (r) {
      free(buf);
      goto done;
    }
    logs[nlogs].buf = buf;
    logs[nlogs++].e = e;
  }
  trace("logs-fast");
  struct sigaction ign = {.sa_handler = SIG_IGN}, old;
  sigaction(SIGPIPE, &ign, &old);
  struct streams w = {.pending = {.max = (size_t)-1}, .fd = 1};
  for (size_t i = 0; i < nlogs && !w.failed; i++) {
    struct log_entries *lg = &logs[i].log;
    char lab[160], prefix[170];
    label(logs[i].e, lab, sizeof lab);
    if (c.names) snprintf(prefix, sizeof prefix, "%s ", lab);
    else if (c.nref > 1) snprintf(prefix, sizeof prefix, "%.12s ", logs[i].e->id);
    else prefix[0] = '\0';
    if (lg->legacy) {
      flush_to(&w);
      char warn[512];
      int n = snprintf(warn, sizeof warn,
                       "jbox: warning: the log of sandbox %s was written by an older jbox: its lines are shown as stdout, without times\n", lab);
      if (write_all(2, warn, (size_t)n) < 0) {
        /* System.err swallows its errors */
      }
    }
    size_t from = c.tail < 0 || (size_t)c.tail >= lg->n ? 0 : lg->n - (size_t)c.tail;
    for (size_t k = from; k < lg->n; k++) {
      const struct log_entry *en = &lg->e[k];
      int fd = en->err ? 2 : 1;
      emit(&w, fd, prefix, strlen(prefix));
      if (c.timestamps && en->time) {
        emit(&w, fd, en->time, 30); /* SandboxLog.stamp of the monitor's form is that form */
        emit(&w, fd, " ", 1);
      }
      if (en->len) emit(&w, fd, lg->text.p + en->off, en->len);
      if (en->newline) emit(&w, fd, "\n", 1);
    }
    flush_to(&w);
  }
  sb_free(&w.pending);
  sigaction(SIGPIPE, &old, NULL);
  /* a write the JVM's FileOutputStream would have failed on: its IOException ends the command
   * with jbox's one-line error (Main: 125) */
  if (w.failed) {
    char msg[160];
    int n = snprintf(msg, sizeof msg, "jbox: logs: %s\n", strerror(w.error));
    if (write_all(2, msg, (size_t)n) < 0) {
      /* nowhere left to say it */
    }
    rc = 125;
  } else {
    rc = 0;
  }
done:
  for (size_t i = 0; i < nlogs; i++) {
    logs_free(&logs[i].log);
    free(logs[i].buf);
  }
  ps_list_free(&l);
  return rc;
}

/* ---- wait --------------------------------------------------------------------------------------- */

/* Sandbox.readState of a lock file through a descriptor opened before (it outlives the name):
 * the exit code when it says exited with one */
static int held_exit(int fd, int *code) {
  if (fd < 0) return 0;
  char buf[PS_STATE_MAX];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  struct ps_state s;
  if (n <= 0 || (size_t)n >= sizeof buf || !utf8_valid(buf, (size_t)n) || ps_state_parse(buf, (size_t)n, &s)) return 0;
  if (s.status != PS_EXITED || !s.has_exit) return 0;
  *code = s.exit_code;
  return 1;
}

/* Until something may have changed: a detached monitor's end (its pidfd), a foreground monitor's
 * lock released (an OFD read lock waited for, then dropped), else a short sleep as the JVM's */
static void block(const char *root, const struct ps_entry *e, int lockfd, int *pause_ms) {
  char path[PATH_MAX + 96];
  snprintf(path, sizeof path, "%s/%s/state", root, e->id);
  struct stat st;
  if (lstat(path, &st) == 0) {
    char *buf = NULL;
    size_t n;
    struct ps_state s;
    if (ps_read_file(path, 1, PS_STATE_MAX, &buf, &n) == 0 && utf8_valid(buf, n) && ps_state_parse(buf, n, &s) == 0 &&
        s.monitor_pid > 0 && s.monitor_pid <= INT_MAX) {
      free(buf);
      autofd int pfd = (int)syscall(SYS_pidfd_open, (pid_t)s.monitor_pid, 0);
      /* the monitor of that start time (checked once the pidfd holds it): wait for its end */
      if (pfd >= 0 && ps_alive(s.monitor_pid, s.monitor_start)) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        RETRY(poll(&p, 1, -1));
        return;
      }
    } else {
      free(buf);
    }
  } else if (lockfd >= 0) {
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
    if (RETRY(fcntl(lockfd, F_OFD_SETLKW, &fl)) == 0) {
      fl.l_type = F_UNLCK;
      fcntl(lockfd, F_OFD_SETLK, &fl);
      return;
    }
  }
  struct timespec ts = {0, (long)*pause_ms * 1000000L};
  nanosleep(&ts, NULL);
  *pause_ms = *pause_ms * 2 > 50 ? 50 : *pause_ms * 2;
}

/* SandboxService.waitExit(s, -1): the exit code once the sandbox no longer runs and its monitor is
 * done (-1 unknown); -2 when not sure (a state file the JVM's parser decides) */
static int wait_one(const char *root, const char *containers, const struct ps_entry *e) {
  char path[PATH_MAX + 96];
  struct stat st;
  autofd int held = -1;
  snprintf(path, sizeof path, "%s/%s/state", root, e->id);
  if (lstat(path, &st) < 0) { /* a foreground monitor's lock file, opened now: a --rm one's cleaner removes it */
    if (e->image) snprintf(path, sizeof path, "%s/%s/state", containers, e->id);
    else snprintf(path, sizeof path, "%s/%s/fgstate", root, e->id);
    held = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (held >= 0 && (fstat(held, &st) < 0 || !S_ISREG(st.st_mode))) return -2;
  }
  int code = -1, pause_ms = 1;
  for (;;) {
    struct ps_status s;
    if (ps_status_of(root, containers, e, &s)) return -2;
    if (s.kind == PS_EXITED && s.has_code) code = s.code;
    held_exit(held, &code);
    if (s.kind != PS_RUNNING && !s.monitor_alive) {
      /* the monitor may have recorded the exit, and ended, between the two looks: read once more */
      struct ps_status fin;
      if (ps_status_of(root, containers, e, &fin)) return -2;
      return fin.kind == PS_EXITED && fin.has_code ? fin.code : code;
    }
    block(root, e, held, &pause_ms);
  }
}

int wait_fast(int argc, char **argv, int *done) {
  *done = 0;
  if (jvm_options_set() || argc < 1) return -1;
  for (int i = 0; i < argc; i++)
    if (!plain_ref(argv[i])) return -1; /* --condition, help, --, an @file: picocli's */
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  struct ps_list l = {0};
  int rc = -1;
  if (ps_list_load(&l, containers, root)) goto out;
  for (int i = 0; i < argc; i++)
    if (!ps_find(&l, argv[i])) goto out; /* the JVM's error (after the codes before it, which it prints too) */
  trace("wait-fast");
  for (int i = 0; i < argc; i++) {
    /* the JVM finds each sandbox when its turn comes: one removed meanwhile is its error */
    if (i > 0) {
      ps_list_free(&l);
      memset(&l, 0, sizeof l);
      if (ps_list_load(&l, containers, root) || !ps_find(&l, argv[i])) goto out;
    }
    int code = wait_one(root, containers, ps_find(&l, argv[i]));
    if (code == -2) goto out; /* the JVM waits for this one and the rest */
    struct sbuf line = {0};
    char num[24];
    snprintf(num, sizeof num, "%d\n", code);
    sb_puts(&line, num);
    ps_print(&line);
    sb_free(&line);
    *done = i + 1;
  }
  rc = 0;
out:
  ps_list_free(&l);
  return rc;
}

/* ---- volume ls ------------------------------------------------------------------------------- */

int volume_name_ok(const char *n) {
  size_t l = strlen(n);
  static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return l > 0 && l <= 255 && strchr(alnum, n[0]) && strspn(n, REF_CHARS) == l;
}

static int by_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int volume_ls_fast(int argc, char **argv) {
  int quiet = 0;
  for (int i = 0; i < argc; i++) {
    if ((strcmp(argv[i], "-q") && strcmp(argv[i], "--quiet")) || quiet) return -1; /* a filter, a format, help...: picocli's */
    quiet = 1;
  }
  char containers[PATH_MAX], root[PATH_MAX], dir[PATH_MAX + 16];
  if (jvm_options_set() || store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  /* the volumes beside containers/ (VolumeStore.of) */
  snprintf(dir, sizeof dir, "%s", containers);
  char *slash = strrchr(dir, '/');
  if (!slash) return -1;
  snprintf(slash, sizeof dir - (size_t)(slash - dir), "/volumes");
  /* SandboxService.volumeUsers reads every record first: one it may read otherwise is the JVM's */
  struct ps_list l = {0};
  int bad = ps_list_load(&l, containers, root);
  ps_list_free(&l);
  if (bad) return -1;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  DIR *d = opendir(dir); /* (File.list: null, no volume, whatever the error) */
  struct dirent *e;
  while (d && !rc && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    for (const char *c = e->d_name; *c; c++)
      if ((unsigned char)*c >= 0x80) rc = -1; /* String order and names beyond ASCII: the JVM's */
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      char **a = cap > 100000 ? NULL : realloc(names, cap * sizeof *a);
      if (!a) {
        rc = -1;
        break;
      }
      names = a;
    }
    if (!(names[n] = strdup(e->d_name))) rc = -1;
    else n++;
  }
  if (d) closedir(d);
  if (!rc && n) qsort(names, n, sizeof *names, by_str);
  struct sbuf *cells = rc ? NULL : calloc((n + 1) * 2, sizeof *cells);
  size_t rows = 0;
  if (!rc && !cells) rc = -1;
  if (cells) {
    sb_puts(&cells[0], "DRIVER");
    sb_puts(&cells[1], "VOLUME NAME");
    rows = 1;
  }
  for (size_t i = 0; !rc && i < n; i++) {
    /* VolumeStore.get: a valid name, its volume.json (absent: none), _data a directory, the JSON read */
    if (!volume_name_ok(names[i])) continue;
    char path[2 * PATH_MAX];
    struct stat st;
    char *buf = NULL;
    size_t len;
    snprintf(path, sizeof path, "%s/%s/volume.json", dir, names[i]);
    int r = ps_read_file(path, 0, 1u << 20, &buf, &len);
    if (r == 1) continue;
    if (r) { /* unreadable, not a file: the JVM's one-line error */
      rc = -1;
      break;
    }
    snprintf(path, sizeof path, "%s/%s/_data", dir, names[i]);
    int data = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
    if (data && ps_json_object_ok(buf, len)) rc = -1; /* malformed: the JVM's error */
    free(buf);
    if (!data || rc) continue;
    sb_puts(&cells[rows * 2], "local");
    sb_puts(&cells[rows * 2 + 1], names[i]);
    rows++;
  }
  struct sbuf out = {.max = 64u << 20};
  if (!rc) {
    if (quiet) {
      for (size_t r = 1; r < rows; r++) {
        sb_put(&out, cells[r * 2 + 1].p, cells[r * 2 + 1].len);
        sb_put(&out, "\n", 1);
      }
    } else {
      rc = ps_print_cols(cells, rows, 2, &out);
    }
  }
  if (!rc && !out.err) {
    trace("volume-fast");
    ps_print(&out);
  } else {
    rc = -1;
  }
  sb_free(&out);
  for (size_t i = 0; cells && i < (n + 1) * 2; i++) sb_free(&cells[i]);
  free(cells);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return rc;
}

/* ---- volume inspect --------------------------------------------------------------------------- */

/* The JVM's default time zone is UTC for sure: TZ unset (or UTC), /etc/timezone (which the JDK
 * reads first on Linux) absent or UTC, /etc/localtime absent or a link to a UTC zone. Anything
 * else: the JVM's tzdb decides the offset. */
static int zone_is_utc(void) {
  const char *tz = getenv("TZ");
  if (tz && strcmp(tz, "UTC") && strcmp(tz, "Etc/UTC") && strcmp(tz, ":UTC") && strcmp(tz, ":Etc/UTC")) return 0;
  if (tz) return 1;
  char buf[256];
  autofd int fd = open("/etc/timezone", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) return 0;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (strcmp(buf, "Etc/UTC") && strcmp(buf, "UTC")) return 0;
  } else if (errno != ENOENT) {
    return 0;
  }
  ssize_t n = readlink("/etc/localtime", buf, sizeof buf - 1);
  if (n < 0) return errno == ENOENT;
  buf[n] = '\0';
  static const char *const utc[] = {"/zoneinfo/Etc/UTC", "/zoneinfo/UTC"};
  for (size_t i = 0; i < 2; i++) {
    size_t l = (size_t)n, u = strlen(utc[i]);
    if (l >= u && !strcmp(buf + l - u, utc[i])) return 1;
  }
  return 0;
}

/* Rfc3339.format(ms, 0) for years 0-9999: the fewest digits of the milliseconds, Z */
static int rfc3339_utc_ms(long long ms, char *out, size_t n) {
  if (ms < 0 || ms >= 253402300800000LL) return -1;
  long long secs = ms / 1000, days = secs / 86400, sod = secs % 86400;
  int millis = (int)(ms % 1000);
  /* civil from days (Rfc3339.civil) */
  long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
  int k = snprintf(out, n, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", y, m, d, sod / 3600, sod / 60 % 60, sod % 60);
  if (millis) {
    int digits = 3;
    while (millis % 10 == 0) millis /= 10, digits--;
    k += snprintf(out + k, n - (size_t)k, ".%0*d", digits, millis);
  }
  snprintf(out + k, n - (size_t)k, "Z");
  return 0;
}

/* text Json.quote writes as it is: printable ASCII but '"' and '\\' */
static int json_plain(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\') return 0;
  return 1;
}

/* a TreeMap of strings as Json.pretty writes it at level 2 of a list of objects */
static void pretty_map(struct sbuf *o, const struct ps_tags *t) {
  if (!t->n) {
    sb_puts(o, "{}");
    return;
  }
  sb_puts(o, "{");
  for (size_t i = 0; i < t->n; i++) {
    sb_puts(o, i ? ",\n      \"" : "\n      \"");
    sb_put(o, t->name[i].p, t->name[i].len);
    sb_puts(o, "\": \"");
    sb_put(o, t->digest[i].p, t->digest[i].len);
    sb_puts(o, "\"");
  }
  sb_puts(o, "\n    }");
}

static int plain_map(const struct ps_tags *t) {
  for (size_t i = 0; i < t->n; i++)
    if (!json_plain(t->name[i].p, t->name[i].len) || !json_plain(t->digest[i].p ? t->digest[i].p : "", t->digest[i].len)) return 0;
  return 1;
}

int volumes_dir(const char *containers, char *dir, size_t n) {
  snprintf(dir, n, "%s", containers);
  char *slash = strrchr(dir, '/');
  if (!slash) return -1;
  snprintf(slash, n - (size_t)(slash - dir), "/volumes");
  /* Path.toString of the Mountpoint is this text itself, and Json.quote writes it as it is */
  if (dir[0] != '/' || strstr(dir, "//") || strstr(dir, "/./") || strstr(dir, "/../") || !json_plain(dir, strlen(dir))) return -1;
  return 0;
}

int volume_inspect_fast(int argc, char **argv) {
  if (argc < 1 || jvm_options_set() || !zone_is_utc()) return -1;
  for (int i = 0; i < argc; i++)
    if (!volume_name_ok(argv[i])) return -1; /* -a, -f, help, --, an unknown name: picocli's or the JVM's error */
  char containers[PATH_MAX], root[PATH_MAX], dir[PATH_MAX + 16];
  if (store_dirs(containers, sizeof containers, root, sizeof root) || volumes_dir(containers, dir, sizeof dir)) return -1;
  /* MountCount: 0 when no record mounts a volume by name; otherwise the JVM counts */
  struct ps_list l = {0};
  int bad = ps_list_load(&l, containers, root);
  for (size_t i = 0; !bad && i < l.n; i++) bad = l.e[i].r.volume_mounts;
  ps_list_free(&l);
  if (bad) return -1;
  struct sbuf out = {.max = 64u << 20};
  int rc = 0;
  sb_puts(&out, "[");
  for (int i = 0; !rc && i < argc; i++) {
    char path[2 * PATH_MAX], when[64];
    struct stat st;
    char *buf = NULL;
    size_t len;
    struct ps_volume v;
    snprintf(path, sizeof path, "%s/%s/volume.json", dir, argv[i]);
    if (ps_read_file(path, 0, 1u << 20, &buf, &len)) { /* none: "no such volume"; unreadable: the JVM's error */
      free(buf);
      rc = -1;
      break;
    }
    snprintf(path, sizeof path, "%s/%s/_data", dir, argv[i]);
    if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || !utf8_valid(buf, len) || ps_volume_parse(buf, len, &v)) {
      free(buf);
      rc = -1;
      break;
    }
    free(buf);
    if (rfc3339_utc_ms(v.created, when, sizeof when) || !plain_map(&v.labels) || !plain_map(&v.options)) {
      ps_volume_free(&v);
      rc = -1;
      break;
    }
    sb_puts(&out, i ? ",\n  {\n    \"Name\": \"" : "\n  {\n    \"Name\": \"");
    sb_puts(&out, argv[i]);
    sb_puts(&out, "\",\n    \"Driver\": \"local\",\n    \"Mountpoint\": \"");
    sb_puts(&out, path);
    sb_puts(&out, "\",\n    \"CreatedAt\": \"");
    sb_puts(&out, when);
    sb_puts(&out, "\",\n    \"Labels\": ");
    pretty_map(&out, &v.labels);
    sb_puts(&out, ",\n    \"Scope\": \"local\",\n    \"Options\": ");
    pretty_map(&out, &v.options);
    sb_puts(&out, ",\n    \"MountCount\": 0,\n    \"NeedsCopyUp\": ");
    sb_puts(&out, v.copy_up ? "true" : "false");
    sb_puts(&out, ",\n    \"NeedsChown\": false,\n    \"Anonymous\": ");
    sb_puts(&out, v.anonymous ? "true" : "false");
    sb_puts(&out, "\n  }");
    ps_volume_free(&v);
  }
  sb_puts(&out, "\n]\n");
  if (!rc && !out.err) {
    trace("volume-fast");
    ps_print(&out);
  } else {
    rc = -1;
  }
  sb_free(&out);
  return rc;
}

/* ---- version ------------------------------------------------------------------------------------ */

int version_cache_path(char *out, size_t n) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  int k;
  if (xdg && *xdg == '/') k = snprintf(out, n, "%s/jbox/version", xdg);
  else if (home && *home == '/') k = snprintf(out, n, "%s/.cache/jbox/version", home);
  else return -1;
  return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* printable ASCII: what the JVM prints the same in every charset */
static int printable(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < 0x20 || *s > 0x7e) return 0;
  return 1;
}

int version_cache_parse(char *buf, size_t len, const char *key, const char *v[4]) {
  /* KEY\nVERSION\nJAVA VERSION\nJAVA VM\nOS ARCH\n, nothing else */
  if (len == 0 || buf[len - 1] != '\n' || memchr(buf, '\0', len)) return -1;
  char *line[5];
  size_t nl = 0;
  for (char *p = buf; p < buf + len;) {
    char *e = memchr(p, '\n', (size_t)(buf + len - p));
    if (nl == 5) return -1;
    *e = '\0';
    line[nl++] = p;
    p = e + 1;
  }
  if (nl != 5 || strcmp(line[0], key)) return -1;
  for (int i = 0; i < 4; i++) {
    if (!printable(line[i + 1])) return -1;
    v[i] = line[i + 1];
  }
  return 0;
}

/* Path.of(p).toString() is p itself: absolute, no empty component, no trailing slash */
static int plain_path(const char *p) {
  size_t n = strlen(p);
  return n > 1 && p[0] == '/' && p[n - 1] != '/' && !strstr(p, "//") && printable(p);
}

int version_fast(const char *key, const char *self) {
  if (jvm_options_set() || !key) return -1;
  char path[PATH_MAX];
  if (version_cache_path(path, sizeof path)) return -1;
  char *buf = NULL;
  size_t n;
  if (ps_read_file(path, 1, 4096, &buf, &n)) {
    free(buf);
    return -1;
  }
  const char *v[4];
  int rc = -1;
  if (version_cache_parse(buf, n, key, v) == 0) {
    /* HelperBinary.locate: JBOX_HELPER (the launcher sets it to itself), shown when executable */
    const char *h = getenv("JBOX_HELPER");
    if (!h) h = self;
    if (plain_path(h)) {
      struct sbuf out = {0};
      const char *rows[6][2] = {{"Client:", "jbox"}, {"Version:", v[0]}, {"Java Version:", v[1]}, {"Java VM:", v[2]},
                                {"Helper:", access(h, X_OK) == 0 ? h : ""}, {"OS/Arch:", v[3]}};
      for (int i = 0; i < 6; i++) {
        char row[PATH_MAX + 64];
        snprintf(row, sizeof row, "%-15s%s\n", rows[i][0], rows[i][1]);
        sb_puts(&out, row);
      }
      if (!out.err) {
        trace("version-fast");
        ps_print(&out);
        rc = 0;
      }
      sb_free(&out);
    }
  }
  free(buf);
  return rc;
}

/* ---- `jbox top SANDBOX` (TopCommand, SandboxService.top) ---------------------------------------- */

/* Procfs.nsInode: the inode in /proc/PID/ns/TYPE's link text, or -1 */
static long long ns_inode(long long pid, const char *type) {
  char path[64], l[128];
  snprintf(path, sizeof path, "/proc/%lld/ns/%s", pid, type);
  ssize_t n = readlink(path, l, sizeof l - 1);
  if (n <= 0) return -1;
  l[n] = '\0';
  char *a = strchr(l, '['), *b = strchr(l, ']');
  if (!a || !b || b < a + 2 || b - a > 20) return -1;
  long long v = 0;
  for (char *q = a + 1; q < b; q++) {
    if (*q < '0' || *q > '9') return -1;
    v = v * 10 + (*q - '0');
  }
  return v;
}

/* Java's String.strip of ASCII text: Character.isWhitespace (\t-\r, \x1c-\x1f, space) */
static int java_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

static void java_strip(const char **s, size_t *n) {
  while (*n && java_space(**s)) (*s)++, (*n)--;
  while (*n && java_space((*s)[*n - 1])) (*n)--;
}

static int ascii_only(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) return 0;
  return 1;
}

/* The first field (Text.fields) of s[0..n) as a long: 0, or -1 */
static int field_long(const char *s, size_t n, int last, long long *v) {
  const char *start = NULL, *end = NULL;
  for (size_t i = 0; i < n;) {
    while (i < n && java_space(s[i])) i++;
    if (i == n) break;
    const char *f = s + i;
    while (i < n && !java_space(s[i])) i++;
    if (!start || last) start = f, end = s + i;
    if (!last) break;
  }
  if (!start || end - start > 18) return -1;
  long long x = 0;
  for (const char *q = start; q < end; q++) {
    if (*q < '0' || *q > '9') return -1;
    x = x * 10 + (*q - '0');
  }
  *v = x;
  return 0;
}

/* Procfs.status's NSpid (its last field) and Uid (its first): 0, 1 when the JVM skips the process, -1 not sure */
static int proc_ids(long long pid, long long *inside, long long *uid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%lld/status", pid);
  size_t n;
  autofree char *t = read_small(AT_FDCWD, path, 1 << 16, &n);
  if (!t) return 1;
  int have_ns = 0, have_uid = 0;
  for (size_t i = 0; i < n;) {
    const char *l = t + i, *nl = memchr(l, '\n', n - i);
    size_t ll = nl ? (size_t)(nl - l) : n - i;
    i += ll + 1;
    if (!have_ns && ll >= 6 && !memcmp(l, "NSpid:", 6)) {
      if (field_long(l + 6, ll - 6, 1, inside)) return -1;
      have_ns = 1;
    } else if (!have_uid && ll >= 4 && !memcmp(l, "Uid:", 4)) {
      if (field_long(l + 4, ll - 4, 0, uid)) return -1;
      have_uid = 1;
    }
  }
  return have_ns && have_uid ? 0 : 1;
}

/* Procfs.inside of /proc/PID1/uid_map: the id inside, or -1 */
static long long uid_inside(long long pid1, long long host) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%lld/uid_map", pid1);
  size_t n;
  autofree char *t = read_small(AT_FDCWD, path, 1 << 16, &n);
  if (!t) return -1;
  for (size_t i = 0; i < n;) {
    const char *l = t + i, *nl = memchr(l, '\n', n - i);
    size_t ll = nl ? (size_t)(nl - l) : n - i;
    i += ll + 1;
    unsigned long long in, out, cnt;
    char line[128];
    if (ll >= sizeof line) return -1;
    memcpy(line, l, ll);
    line[ll] = '\0';
    if (sscanf(line, "%llu %llu %llu", &in, &out, &cnt) != 3) return -1;
    if ((unsigned long long)host >= out && (unsigned long long)host < out + cnt) return (long long)(in + ((unsigned long long)host - out));
  }
  return -1;
}

/* SandboxPasswd.users' reading of an etc/passwd's text (ASCII; else -1: the JVM's decoder):
 * each line split on ':', field 0 the name, field 2 the uid when it is ASCII alnum and parses as
 * a long, the first name of a uid kept (putIfAbsent). 0 with the names, -1. */
int top_passwd_parse(const char *t, size_t n, struct top_user **users, size_t *nu) {
  *users = NULL;
  *nu = 0;
  if (!ascii_only(t, n)) return -1;
  struct top_user *u = NULL;
  size_t cnt = 0;
  int rc = 0;
  for (size_t i = 0; !rc && i < n;) {
    const char *l = t + i, *nl = memchr(l, '\n', n - i);
    size_t ll = nl ? (size_t)(nl - l) : n - i;
    i += ll + 1;
    const char *c1 = memchr(l, ':', ll);
    const char *c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - l)) : NULL;
    if (!c2) continue;
    const char *f2 = c2 + 1, *e2 = memchr(f2, ':', ll - (size_t)(f2 - l));
    size_t f2l = e2 ? (size_t)(e2 - f2) : ll - (size_t)(f2 - l);
    size_t digits = 0;
    while (digits < f2l && f2[digits] >= '0' && f2[digits] <= '9') digits++;
    /* (letters: NumberFormatException; more than 18 digits may not fit: the JVM) */
    if (f2l == 0 || digits < f2l) continue;
    if (f2l > 18) {
      rc = -1;
      break;
    }
    long long uid = 0;
    for (size_t k = 0; k < f2l; k++) uid = uid * 10 + (f2[k] - '0');
    int seen = 0;
    for (size_t k = 0; k < cnt && !seen; k++) seen = u[k].uid == uid;
    if (seen) continue;
    struct top_user *more = cnt == TOP_USERS_MAX ? NULL : realloc(u, (cnt + 1) * sizeof *u);
    if (!more) {
      rc = -1;
      break;
    }
    u = more;
    u[cnt].uid = uid;
    u[cnt].name = strndup(l, (size_t)(c1 - l));
    if (!u[cnt].name) {
      rc = -1;
      break;
    }
    cnt++;
  }
  if (rc) {
    top_users_free(u, cnt);
    return -1;
  }
  *users = u;
  *nu = cnt;
  return 0;
}

void top_users_free(struct top_user *u, size_t n) {
  for (size_t k = 0; k < n; k++) free(u[k].name);
  free(u);
}

/* SandboxPasswd.users: the sandbox's etc/passwd read without following a link; 0 with the names
 * (none when it is missing, not a regular file or too large, as the JVM), -1 when the JVM would
 * read it otherwise (a link for etc or passwd: FsCalls.readInRoot) or the text is not ASCII */
static int top_users(long long pid1, struct top_user **users, size_t *nu) {
  *users = NULL;
  *nu = 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%lld/root", pid1);
  autofd int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return 0; /* (an IOException: numbers) */
  struct stat st;
  if (fstatat(root, "etc", &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(st.st_mode)) return -1;
  autofd int etc = openat(root, "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (etc < 0) return -1;
  if (fstatat(etc, "passwd", &st, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : -1;
  if (S_ISLNK(st.st_mode)) return -1;
  if (!S_ISREG(st.st_mode) || st.st_size > (off_t)TOP_PASSWD_MAX) return 0;
  autofd int fd = openat(etc, "passwd", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) return -1;
  char *t;
  ssize_t n = read_all(fd, &t, TOP_PASSWD_MAX);
  if (n < 0) return -1;
  int rc = top_passwd_parse(t, (size_t)n, users, nu);
  free(t);
  return rc;
}

struct top_row {
  long long pid, host;
  char *user, *cmd;
  size_t cmdlen;
};

static int by_inside_pid(const void *a, const void *b) {
  const struct top_row *x = a, *y = b;
  return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Procfs.cmdline: the arguments joined by spaces and stripped, else [comm]; "" when unreadable.
 * 0, or -1 when not ASCII (the JVM's decoder and charset) */
static int top_cmdline(long long pid, struct sbuf *out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%lld/cmdline", pid);
  size_t n;
  autofree char *t = read_small(AT_FDCWD, path, 1u << 20, &n);
  if (!t) return 0;
  if (!ascii_only(t, n)) return -1;
  for (size_t i = 0; i < n; i++)
    if (!t[i]) t[i] = ' ';
  const char *s = t;
  java_strip(&s, &n);
  if (n) {
    sb_put(out, s, n);
    return 0;
  }
  snprintf(path, sizeof path, "/proc/%lld/comm", pid);
  autofree char *c = read_small(AT_FDCWD, path, 4096, &n);
  if (!c) return 0;
  if (!ascii_only(c, n)) return -1;
  s = c;
  java_strip(&s, &n);
  sb_puts(out, "[");
  sb_put(out, s, n);
  sb_puts(out, "]");
  return 0;
}

static void top_pad(struct sbuf *o, const char *s, size_t n, size_t width) {
  sb_put(o, s, n);
  for (size_t i = n; i < width; i++) sb_put(o, " ", 1);
  sb_put(o, " ", 1);
}

int top_fast(int argc, char **argv) {
  /* `top SANDBOX`: one word, not an option or @file; descriptors (ps's format words): the JVM */
  if (jvm_options_set() || argc != 1 || !argv[0][0] || argv[0][0] == '-' || argv[0][0] == '@') return -1;
  char containers[PATH_MAX], root[PATH_MAX];
  if (store_dirs(containers, sizeof containers, root, sizeof root)) return -1;
  struct ps_list l = {0};
  struct top_user *users = NULL;
  size_t nu = 0, nr = 0, cap = 0;
  struct top_row *rows = NULL;
  struct sbuf out = {.max = 16u << 20};
  int rc = -1;
  DIR *d = NULL;
  if (ps_list_load(&l, containers, root)) goto done;
  struct ps_entry *e = ps_find(&l, argv[0]);
  struct exec_state st;
  /* not found, not running (the JVM's one-line errors), a state it reads otherwise: the JVM */
  if (!e || sandbox_running(root, containers, e->id, e->image, &st)) goto done;
  long long pid1 = st.pid, pidns = ns_inode(pid1, "pid");
  if (pidns < 0 || top_users(pid1, &users, &nu)) goto done;
  d = opendir("/proc");
  if (!d) goto done;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t dl = strlen(de->d_name);
    if (!dl || dl >= 19 || strspn(de->d_name, "0123456789") != dl) continue;
    long long pid = strtoll(de->d_name, NULL, 10), inside, uid;
    if (ns_inode(pid, "pid") != pidns) continue;
    int r = proc_ids(pid, &inside, &uid);
    if (r < 0) goto done;
    if (r) continue;
    if (nr == cap) {
      cap = cap ? cap * 2 : 32;
      struct top_row *a = cap > 1u << 20 ? NULL : realloc(rows, cap * sizeof *a);
      if (!a) goto done;
      rows = a;
    }
    struct top_row *row = &rows[nr];
    memset(row, 0, sizeof *row);
    row->pid = inside, row->host = pid;
    long long u = uid_inside(pid1, uid);
    const char *name = NULL;
    for (size_t k = 0; k < nu && !name; k++)
      if (users[k].uid == u) name = users[k].name;
    char num[32];
    snprintf(num, sizeof num, "%lld", u);
    row->user = strdup(name ? name : num);
    struct sbuf cmd = {.max = 1u << 20};
    int cr = top_cmdline(pid, &cmd);
    row->cmd = cmd.p;
    row->cmdlen = cmd.len;
    nr++;
    if (!row->user || cr || cmd.err) goto done;
  }
  if (nr) qsort(rows, nr, sizeof *rows, by_inside_pid);
  sb_puts(&out, "PID    HOSTPID  USER       COMMAND\n");
  for (size_t i = 0; i < nr; i++) {
    char a[32], b[32];
    int al = snprintf(a, sizeof a, "%lld", rows[i].pid), bl = snprintf(b, sizeof b, "%lld", rows[i].host);
    top_pad(&out, a, (size_t)al, 6);
    top_pad(&out, b, (size_t)bl, 8);
    struct sbuf u = {0};
    ps_escaped(&u, rows[i].user, strlen(rows[i].user));
    top_pad(&out, u.p ? u.p : "", u.len, 10);
    sb_free(&u);
    ps_escaped(&out, rows[i].cmd ? rows[i].cmd : "", rows[i].cmdlen);
    sb_puts(&out, "\n");
  }
  if (out.err) goto done;
  trace("top-fast");
  ps_print(&out);
  rc = 0;
done:
  if (d) closedir(d);
  for (size_t i = 0; i < nr; i++) {
    free(rows[i].user);
    free(rows[i].cmd);
  }
  free(rows);
  top_users_free(users, nu);
  ps_list_free(&l);
  sb_free(&out);
  return rc;
}
