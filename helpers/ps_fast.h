/* `jbox ps` without the JVM (ps_fast.c, PROTOCOL.md "ps without the JVM"): the launcher lists the
 * sandboxes from their records as SandboxStore.list and Sandbox.status do and prints PsCommand's
 * table, or leaves the command to the JVM (return -1, nothing done) whenever it is not sure of
 * every byte: an option it does not take, a configuration file, a record or state file it cannot
 * read exactly as the JVM would, a text the JVM would print through its locale's charset
 * (anything not ASCII), or something the JVM's listing would clean up. Each decoder takes
 * untrusted bytes and is bounded; fuzz/fuzz_psfast.c runs them. */
#ifndef JBOX_PS_FAST_H
#define JBOX_PS_FAST_H
#include <stddef.h>

#define PS_RECORD_MAX (4u << 20) /* bytes of a config.json the launcher reads; larger: the JVM */
#define PS_STATE_MAX (64u << 10) /* bytes of a monitor's state record */
#define PS_TAGS_MAX 4096          /* names in tags.json, records in images/ (a name is looked up in all) */
#define PS_JSON_DEPTH 64         /* nesting the decoder follows (the JVM's: 256); deeper: the JVM */

/* `jbox ps` with -a/--all, -q/--quiet, --no-trunc, each at most once, and -aq/-qa: 0; anything
 * else -1 (picocli parses it). */
struct ps_call {
  int all, quiet, no_trunc;
};
int ps_call_parse(int argc, char **argv, struct ps_call *c);

/* Bytes being collected (err set when out of memory or past max). */
struct sbuf {
  char *p;
  size_t len, cap, max;
  int err;
};
void sb_put(struct sbuf *b, const void *s, size_t n);
void sb_free(struct sbuf *b);

/* What ps shows of a record (config.json, as SandboxRecord.of reads it). Texts decoded from
 * JSON; nonascii: one of them has a character above U+007F. */
struct ps_record {
  struct sbuf name, image, command, ports; /* command: the words joined by a space; ports: the PORTS cell */
  int has_name, has_image;
  long long created;
  int rm;
  int shell; /* of kind "shell" (a project's dev shell) */
  int volume_mounts; /* a "mounts" entry that may name a volume (-v, --mount) */
  int nonascii;
  struct sbuf *specs; /* the "ports" specs as recorded (port_fast) */
  size_t nspecs;
  struct sbuf stop_signal; /* "stopSignal" when a string (has_stop_signal), else the JVM's TERM */
  int has_stop_signal;
  int has_restart; /* a "restart" key of any value (a restart policy: the JVM holds its restarts) */
  int has_mounts;  /* a "mounts" key that is anything but an empty list (it may name volumes) */
};
/* 0: a record the JVM lists, r filled (free with ps_record_free); 1: one the JVM skips (an OCI
 * container's, or a kind it does not know); -1: not sure (the JVM decides). */
int ps_record_parse(const char *buf, size_t len, struct ps_record *r);
void ps_record_free(struct ps_record *r);

/* A monitor's state record as MonitorState.of reads it (-1 for a value of a type the JVM reads
 * and the decoder does not: a fraction, a huge number; status not a string). */
enum { PS_OTHER, PS_RUNNING, PS_EXITED };
struct ps_state {
  int status; /* PS_RUNNING for "running", PS_EXITED for "exited" */
  long long pid, pid_start, monitor_pid, monitor_start, started, finished;
  int has_exit, has_finished, exit_code;
  long long restart_count; /* Math.max(0, num("restartCount")) */
};
int ps_state_parse(const char *buf, size_t len, struct ps_state *s);

/* Sandbox.status and monitorAlive of record id (image: its record is in containers/), as ps
 * reads them: 0 with *o filled, -1 when the JVM must decide (a state file it reads otherwise). */
struct ps_status {
  int kind; /* PS_RUNNING, PS_EXITED, or PS_OTHER: created */
  int has_code, code;
  long long since;
  int monitor_alive;
  int stale;     /* exited because its record says running and nothing runs (Status.stale) */
  int has_state; /* the monitor's record as Sandbox.monitorState read it (null: none) */
  struct ps_state state;
};
int ps_sandbox_status(const char *root, const char *containers, const char *id, int image, struct ps_status *o);

/* Whether SandboxStore.list would list a record with a "mounts" entry (what SandboxService.volumeUsers
 * reads volume names from): 0 none, 1 some, -1 not sure (a record the decoder does not follow). */
int ps_any_mounts(const char *containers, const char *root);
/* Whether buf is one JSON object as the JVM's strict parser takes it (the decoder's rules): 0 yes, -1 not sure. */
int ps_json_object_ok(const char *buf, size_t len);

/* Status.duration: "Less than a second", "5 seconds", "About a minute", "3 hours", "2 days". */
void ps_duration(long long ms, char *out, size_t n);

/* Network.Port.parse of an ASCII spec: 0 with its parts (ip: the address without brackets,
 * has_ip 0 for none), -1 when it refuses the spec. */
struct ps_portspec {
  const char *ip; /* in the spec */
  size_t ip_len;
  int has_ip;
  long host, container;
  const char *proto;
};
int ps_port_parse(const char *spec, size_t n, struct ps_portspec *o);

/* One PORTS entry (PodmanView.ports of Network.Port.parse): "IP:HOST->CONTAINER/PROTO", or the
 * spec itself when it does not parse. spec is ASCII. */
void ps_port(const char *spec, size_t n, struct sbuf *out);

/* The launcher: `jbox ps ...` (argv after `ps`). 0 when it answered; -1 to go on to the JVM. */
int ps_fast(int argc, char **argv);

/* ---- `jbox images` [-q] [--no-trunc] (ImagesCommand's table and -q) ---- */

/* An image record (images/HEX.json, as ImageRecord.fromJson reads it), what images shows of it:
 * 0 filled (free with ps_image_free); -1 not sure, or a record the JVM reports as unreadable. */
struct ps_image {
  struct sbuf digest, id, created, pulled;
  int has_created;
  long long size;
  int nonascii;
};
int ps_image_parse(const char *buf, size_t len, struct ps_image *im);
void ps_image_free(struct ps_image *im);

/* tags.json (ImageStore.tags: a TreeMap of name -> manifest digest): the names sorted as Java's
 * String order sorts ASCII, the last of a repeated name kept. 0, or -1 (not sure: the JVM). */
struct ps_tags {
  struct sbuf *name, *digest;
  size_t n;
  int nonascii;
};
int ps_tags_parse(const char *buf, size_t len, struct ps_tags *t);
void ps_tags_free(struct ps_tags *t);

/* Rfc3339.parseUsual for the UTC form YYYY-MM-DDTHH:MM:SS[.F{1,9}]Z: 0 with epoch seconds and
 * nanoseconds, -1 for anything else (the JVM). */
int ps_rfc3339_utc(const char *s, size_t n, long long *sec, long *nanos);
/* ImagesCommand.ago of seconds since created, and si of a size. */
void ps_image_ago(long long seconds, char *out, size_t n);
void ps_si(long long size, char *out, size_t n);

/* The image store's records (images/HEX.json, in file-name order), as ImageStore.images reads them:
 * 0 with *out (free each with ps_image_free, then the array), -1 not sure (the JVM's). */
int ps_images_load(const char *store, struct ps_image **out, size_t *count);
/* ImageStore.open would change nothing: the store a directory closed to others, with images/,
 * blobs/sha256/, layers/ and locks/ (1 yes). */
int ps_store_ready(const char *store);
/* Containers.sandboxLeftovers finds nothing: the sweep that opening the image store runs does
 * nothing (1 yes). */
int ps_nothing_to_sweep(const char *containers, const char *root, long long now);
int images_call_parse(int argc, char **argv, struct ps_call *c); /* -q/--quiet, --no-trunc: quiet, no_trunc */
int images_fast(int argc, char **argv);

/* ---- `jbox port SANDBOX` (PortCommand, without PORT) ---- */
/* One line of it for a --publish spec: 0, or -1 when Network.Port.parse refuses the spec. */
int ps_port_line(const char *spec, size_t n, struct sbuf *out);
int port_fast(int argc, char **argv);

/* ---- shared with the other read-only commands (read_fast.c) ---- */
void sb_puts(struct sbuf *b, const char *s);
/* One sandbox of the listing: its id, where its record is (image: containers/), the record. */
struct ps_entry {
  char id[65];
  int image; /* its record is in containers/ */
  struct ps_record r;
  size_t order;
};
struct ps_list {
  struct ps_entry *e;
  size_t n, cap;
};
/* SandboxStore.list: both record homes, oldest first. 0, or -1 (a record the JVM may read otherwise). */
int ps_load_dir(struct ps_list *l, const char *dir, int image);
int ps_list_load(struct ps_list *l, const char *containers, const char *root);
int ps_oldest_first(const void *a, const void *b);
void ps_list_free(struct ps_list *l);
/* SandboxStore.findOrNull over the listing: the entry, or NULL (none, or an ambiguous prefix). */
struct ps_entry *ps_find(struct ps_list *l, const char *ref);
/* ps_sandbox_status of a listed entry. */
int ps_status_of(const char *root, const char *containers, const struct ps_entry *e, struct ps_status *o);
/* Procfs.alive: pid runs with that start time (not a zombie). */
int ps_alive(long long pid, long long start);
/* A small file whole: 0 read, 1 absent, -1 an error the JVM meets too, -2 one it would read otherwise. */
int ps_read_file(const char *path, int nofollow, size_t max, char **buf, size_t *len);
/* Text.escape of ASCII text, and the JVM's println of the bytes (no SIGPIPE, errors ignored). */
void ps_escaped(struct sbuf *out, const char *s, size_t n);
void ps_print(const struct sbuf *out);
/* Table.print of rows x cols cells (at most 7 columns) into out: 0, or -1. */
int ps_print_cols(struct sbuf *cells, size_t rows, int cols, struct sbuf *out);
/* Whether buf is one JSON object in the strict JSON the decoder follows (then Json.parseObject
 * reads it too): 0, else -1. */
int ps_json_object(const char *buf, size_t len);

/* A volume's volume.json as VolumeStore.get reads it: created (0 when not a number), anonymous
 * and copyUp (true only for true), labels and options (a TreeMap of strings; no map: none). 0, or
 * -1 when not sure (a fraction, a value that is no string, text beyond ASCII...): the JVM. */
struct ps_volume {
  long long created;
  int anonymous, copy_up;
  struct ps_tags labels, options;
};
int ps_volume_parse(const char *buf, size_t len, struct ps_volume *v);
void ps_volume_free(struct ps_volume *v);

/* ---- a JSON value whole (Json.parse narrowed to strict JSON), and Json.pretty of one ---------- */
enum { JV_NULL, JV_FALSE, JV_TRUE, JV_INT, JV_NUM, JV_STR, JV_ARR, JV_OBJ };
struct jv {
  int t;          /* JV_NUM: a number that is no Java long (a BigDecimal there): never printed here */
  long long i;    /* JV_INT */
  struct sbuf s;  /* JV_STR: the decoded bytes */
  struct sbuf *key; /* JV_OBJ: the members' keys, decoded */
  struct jv *kid;   /* JV_ARR, JV_OBJ: the elements, the members' values */
  size_t n, cap;
};
/* One value and nothing else: 0 with *v (free with jv_free); -1 for what the decoder does not
 * follow (malformed, deeper than PS_JSON_DEPTH, larger than max bytes of strings). *nonascii is
 * set when a text holds a character above U+007F (it stands as '?'). */
int jv_parse(const char *buf, size_t len, struct jv *v, int *nonascii);
void jv_free(struct jv *v);
/* The member of an object by key, or NULL. */
const struct jv *jv_get(const struct jv *o, const char *key);
/* Building values: an object's member (moved from *val, which is left JV_NULL) and an array's
 * element; text, a number, a boolean. out of memory: the parent's sbuf err is not touched, the
 * value is lost and *err set. */
void jv_put(struct jv *o, const char *key, struct jv *val, int *err);
void jv_add(struct jv *a, struct jv *val, int *err);
struct jv jv_text(const char *s, size_t n);
struct jv jv_cstr(const char *s); /* NULL: JSON null */
struct jv jv_int(long long v);
struct jv jv_bool(int b);
struct jv jv_new(int t); /* an empty object or array, or null */
/* Json.pretty of v at nesting level (Json.write's two spaces a level); -1 if it holds a JV_NUM. */
int jv_pretty(struct sbuf *out, const struct jv *v, int level);
#endif
