/* A streaming tar decoder for image layers (jbox-unpack, helpers/unpack/): ustar, GNU (long names
 * 'L'/'K', base-256 numbers) and PAX ('x', 'g'); sparse and multi-volume members are refused. It
 * reads as dev.jbox.image.unpack.TarReader reads, with the same errors, so the two extractors agree
 * on every archive (UnpackDiffTest compares them). It only decodes: paths are checked by tar_components and
 * by the extractor. No allocation is bounded by the archive's claims alone: extended headers are
 * read into memory up to TAR_MAX_META, names up to the reader's max_path. */
#ifndef JBOX_TAR_H
#define JBOX_TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_MAX_META (1 << 20)

/* Where the tar's bytes come from: sets *p to up to max bytes and returns how many (> 0), 0 at the
 * end, -1 on an error (the source keeps its own message). The bytes stay valid until the next call. */
typedef long (*tar_get_fn)(void *ctx, const uint8_t **p, size_t max);

struct tar_xattr {
  char *name;   /* NUL-terminated, after "SCHILY.xattr." */
  uint8_t *value;
  size_t len;
};

struct tar_entry {
  char *name;   /* as the archive spells it, not normalized; NUL-terminated, name_len bytes */
  size_t name_len;
  char *link;
  size_t link_len;
  char type;    /* '0' file, '1' hard link, '2' symlink, '3' char, '4' block, '5' dir, '6' FIFO, ... */
  unsigned mode; /* & 07777 */
  uint64_t uid, gid;
  uint64_t size; /* content bytes: regular files only, 0 otherwise */
  int64_t mtime;
  unsigned major, minor;
  struct tar_xattr *xattrs;
  size_t nxattrs;
};

struct tar_kv {
  char *key;
  uint8_t *val;
  size_t len;
};

struct tar_reader {
  tar_get_fn get;
  void *ctx;
  size_t max_path;
  struct tar_kv *global;
  size_t nglobal;
  uint64_t remaining, padding;
  int data; /* the current member is a regular file: tar_data reads its content */
  int done;
  int source_failed; /* the last error was the source's (its message), not the tar's */
  uint8_t header[512];
  char err[320];
};

void tar_init(struct tar_reader *r, tar_get_fn get, void *ctx, size_t max_path);
void tar_free(struct tar_reader *r);
/* The next member (unread content of the one before is skipped): 1, 0 at the end of the archive
 * (zero block or end of input), -1 on an error in r->err. The entry is the caller's to free. */
int tar_next(struct tar_reader *r, struct tar_entry *e);
/* Up to max bytes of the current member's content: > 0 with *p set, 0 at its end, -1 on an error. */
long tar_data(struct tar_reader *r, const uint8_t **p, size_t max);
void tar_entry_free(struct tar_entry *e);

/* Lexical normalization of a member name as LayerExtractor.components does it: leading '/', empty
 * and '.' components dropped, '..' pops (error when it would leave the root), NUL refused. Fills
 * comps (pointers into buf, a writable copy of the name) and returns how many, or -1 with err set. */
int tar_components(char *buf, size_t len, char ***comps, char *err, size_t errlen);

#endif
