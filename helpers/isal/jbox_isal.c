/* libjbox-isal.so: gzip decompression with ISA-L's igzip, for the unpacker JVM (through JNA,
 * dev.jbox.sys.IsalGzipInputStream).
 *
 * Why: inflating a layer is the largest single cost of a pull. zlib (the JDK's Inflater, and
 * `gzip -dc`) inflates a 93 MB Debian layer in 1.0 s on the benchmark machine, igzip in 0.26 s.
 * Why a shim rather than JNA straight onto libisal.so.2: struct inflate_state is public but large
 * and version-dependent (Huffman tables before block_state), so only C compiled against the
 * installed igzip_lib.h may touch it. The shim has three functions and no state of its own.
 *
 * Built by helpers/Makefile when /usr/include/isa-l/igzip_lib.h exists (Debian: libisal-dev);
 * needs libisal.so.2 (libisal2) at run time. Without either, jbox inflates with the JDK. */
#include <isa-l/igzip_lib.h>
#include <stdint.h>
#include <stdlib.h>

void *jbox_gz_new(void) {
  struct inflate_state *s = malloc(sizeof *s);
  if (!s) return NULL;
  isal_inflate_init(s);
  s->crc_flag = ISAL_GZIP; /* parse the gzip header, verify CRC32 and ISIZE of the trailer */
  return s;
}

void jbox_gz_free(void *p) { free(p); }

/* Inflates from in[0..in_len) into out[0..out_len); counts[0] and counts[1] get the bytes it
 * consumed and produced. Returns 1 when a gzip member ended with this call (its trailer checked;
 * the next call starts a new member), 0 when it needs more input or more room, and ISA-L's
 * negative code for corrupt data (-1 invalid block, -2 symbol, -3 lookback, -4 wrapper,
 * -5 method, -6 checksum). */
int jbox_gz_inflate(void *p, uint64_t in, uint32_t in_len, uint64_t out, uint32_t out_len, int32_t *counts) {
  struct inflate_state *s = p;
  if (s->block_state == ISAL_BLOCK_FINISH) {
    isal_inflate_reset(s);
    s->crc_flag = ISAL_GZIP;
  }
  s->next_in = (uint8_t *)(uintptr_t)in;
  s->avail_in = in_len;
  s->next_out = (uint8_t *)(uintptr_t)out;
  s->avail_out = out_len;
  int r = isal_inflate(s);
  counts[0] = (int32_t)(in_len - s->avail_in);
  counts[1] = (int32_t)(out_len - s->avail_out);
  if (r < 0) return r;
  return s->block_state == ISAL_BLOCK_FINISH ? 1 : 0;
}
