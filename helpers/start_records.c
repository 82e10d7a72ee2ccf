/* The records of a project's new `jbox shell` sandbox that hold the caller's parts, written by the
 * launcher from the templates the JVM kept beside the prepared start (PROTOCOL.md "Preparing a
 * project's next sandbox", "The record templates"): config.json, where the command and the
 * environment are JSON strings, and exec.plan, which leads with the environment and the working
 * directory. Each decoder takes untrusted bytes and is bounded; fuzz/fuzz_prestart.c runs them.
 *
 * The JSON writer is dev.jbox.json.Json's: a string is `"`, then per UTF-16 unit `\"`, `\\`, `\n`,
 * `\r`, `\t`, `\u00xx` (lowercase hex) below 0x20 and the unit itself otherwise, then `"`, the whole
 * file encoded in UTF-8. For a string decoded from valid UTF-8 that is the input's own bytes with
 * those escapes, so the writer works on bytes and refuses anything that is not valid UTF-8 (the
 * JVM would have replaced it: the launcher leaves such a call to the JVM). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "prestart.h"

int json_quote(struct out *o, const char *s, size_t n) {
  if (memchr(s, '\0', n) || !utf8_valid(s, n)) {
    o->err = 1;
    return -1;
  }
  static const char hex[] = "0123456789abcdef";
  out_put(o, "\"", 1);
  size_t run = 0; /* bytes copied as they are, put in one go */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') {
      run++;
      continue;
    }
    out_put(o, s + i - run, run);
    run = 0;
    char e[6] = {'\\', 0};
    size_t el = 2;
    switch (c) {
    case '"': e[1] = '"'; break;
    case '\\': e[1] = '\\'; break;
    case '\n': e[1] = 'n'; break;
    case '\r': e[1] = 'r'; break;
    case '\t': e[1] = 't'; break;
    default:
      memcpy(e + 1, "u00", 3);
      e[4] = hex[c >> 4], e[5] = hex[c & 15];
      el = 6;
    }
    out_put(o, e, el);
  }
  out_put(o, s + n - run, run);
  out_put(o, "\"", 1);
  return o->err ? -1 : 0;
}

/* ---- config.json -------------------------------------------------------------------------------- */

/* The tokens' written forms (ShellSandboxes.RECORD_TOKENS through Json.write), in their order. */
static const char *const tokens[RECORD_TOKENS] = {
    "\"\\u0001jbox-start:command\"",
    "\"\\u0001jbox-start:created\"",
    "\"\\u0001jbox-start:env\"",
    "\"\\u0001jbox-start:cwd\"",
    "\"\\u0001jbox-start:tty\"",
};

/* A list's element on a line of its own at this place: "[\n" (first) or ",\n" (not), the indent
 * (spaces only), the token, then "\n" (last) or ",\n" (not). */
static int list_indent(const char *buf, size_t len, size_t at, size_t tlen, size_t *indent, int first, int last) {
  size_t i = at;
  while (i > 0 && buf[i - 1] == ' ') i--;
  *indent = at - i;
  if (*indent < 2 || *indent > 64 || i < 2 || buf[i - 1] != '\n' || buf[i - 2] != (first ? '[' : ',')) return -1;
  size_t e = at + tlen;
  if (last) return e < len && buf[e] == '\n' ? 0 : -1;
  return e + 1 < len && buf[e] == ',' && buf[e + 1] == '\n' ? 0 : -1;
}

int start_record_parse(const char *buf, size_t len, struct start_record *r) {
  memset(r, 0, sizeof *r);
  /* all of a record Json.pretty wrote: "{\n" ... "\n}\n" */
  if (len < 6 || len > PRESTART_START_MAX || memcmp(buf, "{\n", 2) || memcmp(buf + len - 3, "\n}\n", 3) ||
      memchr(buf, '\0', len) || !utf8_valid(buf, len))
    return -1;
  size_t from = 0, ids = 0;
  for (int k = 0; k < RECORD_TOKENS; k++) {
    size_t tl = strlen(tokens[k]);
    const char *t = memmem(buf + from, len - from, tokens[k], tl);
    if (!t) return -1;
    size_t at = (size_t)(t - buf);
    /* once in the whole template: a second one before or after would be a place it cannot tell */
    if (memmem(buf, at, tokens[k], tl) || memmem(t + tl, len - at - tl, tokens[k], tl)) return -1;
    r->text[k] = (struct span){buf + from, at - from};
    /* the command and the environment: a list's only element; the tty's place: an element between
     * others (stdin follows it), which goes with the ",\n" and the indent after it */
    if ((k == 0 || k == 2) && list_indent(buf, len, at, tl, &r->indent[k / 2], 1, 1)) return -1;
    if (k == 4) {
      if (list_indent(buf, len, at, tl, &r->indent[2], 0, 0) || len - at - tl < 2 + r->indent[2]) return -1;
      for (size_t i = 0; i < r->indent[2]; i++)
        if (buf[at + tl + 2 + i] != ' ') return -1;
    }
    from = at + tl;
  }
  r->text[RECORD_TOKENS] = (struct span){buf + from, len - from};
  for (int k = 0; k <= RECORD_TOKENS; k++) {
    for (long m = prestart_next_marker(r->text[k].p, r->text[k].len, 0); m != -1;
         m = prestart_next_marker(r->text[k].p, r->text[k].len, (size_t)m + PRESTART_ID_LEN)) {
      if (m == -2) return -1;
      ids++;
    }
  }
  return ids ? 0 : -1; /* its "id" at least */
}

/* span with every marker replaced by id */
static void put_filled(struct out *o, struct span s, const char *id) {
  size_t at = o->len;
  out_put(o, s.p, s.len);
  if (!o->err) prestart_fill_id(o->p + at, s.p, s.len, id);
}

static void put_list(struct out *o, const struct span *v, size_t n, size_t indent) {
  static const char spaces[] = "                                                                ";
  for (size_t i = 0; i < n; i++) {
    if (i) {
      out_put(o, ",\n", 2);
      out_put(o, spaces, indent);
    }
    json_quote(o, v[i].p, v[i].len);
  }
}

static int finish(struct out *o, char **out, size_t *len) {
  if (o->err) {
    free(o->p);
    return -1;
  }
  *out = o->p;
  *len = o->len;
  return 0;
}

static int id_ok(const char *id) { return id && strlen(id) == PRESTART_ID_LEN && strspn(id, "0123456789abcdef") == PRESTART_ID_LEN; }

int start_record_fill(const struct start_record *r, const struct start_caller *c, char **out, size_t *len) {
  /* Json.pretty writes an empty list as [] (a shell's command and environment never are) */
  if (!id_ok(c->id) || c->nargv == 0 || c->nenv == 0 || !c->cwd.p) return -1;
  struct out o = {0};
  char created[24];
  int cl = snprintf(created, sizeof created, "%llu", c->created);
  put_filled(&o, r->text[0], c->id);
  put_list(&o, c->argv, c->nargv, r->indent[0]);
  put_filled(&o, r->text[1], c->id);
  out_put(&o, created, (size_t)cl);
  put_filled(&o, r->text[2], c->id);
  put_list(&o, c->env, c->nenv, r->indent[1]);
  put_filled(&o, r->text[3], c->id);
  json_quote(&o, c->cwd.p, c->cwd.len);
  put_filled(&o, r->text[4], c->id);
  struct span after = r->text[5];
  if (c->tty) {
    out_put(&o, "\"tty\"", 5);
  } else { /* the element is not there: nor its separator */
    after.p += 2 + r->indent[2];
    after.len -= 2 + r->indent[2];
  }
  put_filled(&o, after, c->id);
  return finish(&o, out, len);
}

/* ---- exec.plan ---------------------------------------------------------------------------------- */

int start_exec_parse(const char *buf, size_t len, struct start_exec *e) {
  memset(e, 0, sizeof *e);
  struct exec_template t;
  if (exec_template_parse(buf, len, &t)) return -1;
  int cwd = t.cwd.p != NULL;
  exec_template_free(&t);
  if (!cwd) return -1;
  /* ENV* then CWD lead (PlanWriter's order, the parse above checked it): the rest is kept */
  const unsigned char *u = (const unsigned char *)buf;
  for (size_t off = 10; off < len;) {
    unsigned tag = plan_le16(u + off);
    size_t next = off + 6 + plan_le32(u + off + 2);
    if (tag == T_CWD) {
      e->rest = (struct span){buf + next, len - next};
      e->header = buf;
      return 0;
    }
    off = next;
  }
  return -1;
}

int start_exec_fill(const struct start_exec *e, const struct start_caller *c, char **out, size_t *len) {
  if (!c->cwd.p || c->cwd.len == 0 || c->cwd.p[0] != '/') return -1;
  struct out o = {0};
  out_put(&o, e->header, 10);
  for (size_t i = 0; i < c->nenv; i++) out_rec(&o, T_ENV, c->env[i].p, c->env[i].len);
  out_rec(&o, T_CWD, c->cwd.p, c->cwd.len);
  out_put(&o, e->rest.p, e->rest.len);
  if (o.err || o.len > EXEC_TEMPLATE_MAX) {
    free(o.p);
    return -1;
  }
  uint32_t total = (uint32_t)o.len;
  for (int k = 0; k < 4; k++) o.p[6 + k] = (char)(total >> (8 * k));
  /* what the exec path takes, or nothing: an exec.plan it refused would send every exec to the JVM */
  struct exec_template t;
  if (exec_template_parse(o.p, o.len, &t)) {
    free(o.p);
    return -1;
  }
  exec_template_free(&t);
  return finish(&o, out, len);
}
