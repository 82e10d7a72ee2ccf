/* libFuzzer target: the plan decoder (plan.c) on arbitrary bytes. The header's length field is set
 * to the input's size, so mutations reach the records instead of dying at the length check; the
 * magic and version are left to the fuzzer (the seeds have them). Seeds: the golden plans. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/filter.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > PLAN_MAX_BYTES) return 0;
  char *buf = malloc(size ? size : 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  if (size >= 10) {
    buf[6] = (char)size, buf[7] = (char)(size >> 8), buf[8] = (char)(size >> 16), buf[9] = (char)(size >> 24);
  }
  struct plan p;
  if (plan_decode(&p, buf, size) == 0) {
    /* what the stages read of a decoded plan: every string is terminated, the arrays are bounded */
    size_t n = 0;
    for (size_t i = 0; i < p.argc; i++) n += strlen(p.argv[i]);
    for (size_t i = 0; i < p.envc; i++) n += strlen(p.env[i]);
    for (size_t i = 0; i < p.nmounts; i++)
      n += strlen(p.mounts[i].kind) + strlen(p.mounts[i].source) + strlen(p.mounts[i].target) + strlen(p.mounts[i].options);
    if (p.argv[p.argc] != NULL || p.env[p.envc] != NULL || n > size) abort();
    /* OCI hooks (T_OCI_HOOK): bounded, terminated arrays, each kind's state present */
    size_t hn = 0, per[HK_COUNT] = {0};
    if (p.nhooks > PLAN_MAX_HOOKS) abort();
    for (size_t i = 0; i < p.nhooks; i++) {
      const struct oci_hook *h = &p.hooks[i];
      if (h->kind >= HK_COUNT || h->path[0] != '/' || h->timeout > HOOK_MAX_TIMEOUT || !h->argv[0]) abort();
      per[h->kind]++;
      hn += strlen(h->path);
      size_t a = 0, e = 0;
      for (; h->argv[a]; a++) hn += strlen(h->argv[a]);
      for (; h->env && h->env[e]; e++) hn += strlen(h->env[e]);
      if (a > HOOK_MAX_ITEMS || e > HOOK_MAX_ITEMS) abort();
    }
    for (int k = 0; k < HK_COUNT; k++) {
      if (per[k] != p.nhooks_of[k] || (per[k] && !p.hook_state_head[k])) abort();
      if (p.hook_state_head[k]) hn += strlen(p.hook_state_head[k]) + strlen(p.hook_state_tail[k]);
    }
    if (hn > size) abort();
    /* a seccomp program (T_SECCOMP): every instruction readable, within the kernel's limit, 16
     * hex digits each in the input */
    unsigned k = 0;
    for (unsigned short i = 0; i < p.seccomp_len; i++) k += p.seccomp_prog[i].code + p.seccomp_prog[i].k;
    if ((p.seccomp_prog == NULL) != (p.seccomp_len == 0) || p.seccomp_len > SECCOMP_PROG_MAX || 16u * p.seccomp_len > size) abort();
    volatile unsigned sink = k;
    (void)sink;
  }
  plan_free(&p);
  return 0;
}
