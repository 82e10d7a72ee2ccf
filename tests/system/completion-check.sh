#!/bin/bash
# completion-check.sh FILE [JBOX]: drives the bash completion function in FILE the way bash's
# programmable completion calls it (COMP_WORDS, COMP_CWORD, then the function `complete` names)
# and checks what it offers. JBOX (default: jbox on PATH) answers the dynamic completions.
# Prints "completion: N passed, N failed".
set -u
file=${1:?usage: completion-check.sh FILE [JBOX]} jbox=${2:-jbox}
# shellcheck disable=SC1090
source "$file"
fn=$(complete -p jbox | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
pass=0 fail=0
offers() { # offers EXPECTED WORD... : the completion of the last WORD includes EXPECTED
  local want=$1; shift
  COMP_WORDS=("$jbox" "$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
  COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
  "$fn" "$jbox" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  if printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$want"; then pass=$((pass + 1)); echo "ok   jbox $* -> $want"
  else fail=$((fail + 1)); echo "FAIL jbox $*: wanted $want, got: ${COMPREPLY[*]}"; fi
}
offers run ru
offers --network run --netw
offers slirp4netns run --network = sl
offers --network=none run --network=n    # where = is not a word break (zsh bashcompinit)
offers doctor doc
offers cds system ""
offers --if-stale system cds --if
offers json ps --format ""
offers --rm run -d --r
[ -n "${JBOX_COMPLETION_IMAGE:-}" ] && offers "$JBOX_COMPLETION_IMAGE" run ""
[ -n "${JBOX_COMPLETION_SANDBOX:-}" ] && offers "$JBOX_COMPLETION_SANDBOX" rm ""
echo "completion: $pass passed, $fail failed"
[ $fail = 0 ]
