#!/bin/bash
# completion-shells.sh DIR: the generated zsh (_jbox) and fish (jbox.fish) completions in DIR,
# loaded by the real shells. fish is driven with `complete -C` (what fish itself asks); zsh loads
# _jbox through bashcompinit and its completion function is called as _bash_complete calls it
# (outside a completion widget zsh's compgen does not filter by the prefix: compadd does that
# in a real widget, so the checks look for the word among the candidates).
# Prints "completion-shells: N passed, N failed".
set -u
dir=${1:?usage: completion-shells.sh DIR}
pass=0 fail=0
check() { if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1: $3"; fi; }
fishc() { fish -c "source '$dir/jbox.fish'; complete -C '$1'" 2>&1 | cut -f1; }
zshc() {
  zsh -c "autoload -U +X compinit && compinit -u -D; sed '\$d' '$dir/_jbox' > \"\${TMPDIR:-/tmp}/_jbox.\$\$\"; source \"\${TMPDIR:-/tmp}/_jbox.\$\$\"; rm -f \"\${TMPDIR:-/tmp}/_jbox.\$\$\"
    emulate -L sh; setopt kshglob noshglob braceexpand
    COMP_WORDS=($1); COMP_CWORD=\$(( \${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _jbox_bash; printf '%s\n' \"\${COMPREPLY[@]}\"" 2>&1
}
if command -v fish >/dev/null; then
  out=$(fishc 'jbox ru'); echo "$out" | grep -qx run; check "fish: jbox ru -> run" $? "$out"
  out=$(fishc 'jbox run --netw'); echo "$out" | grep -qx -- --network; check "fish: jbox run --netw -> --network" $? "$out"
  out=$(fishc 'jbox run --network '); echo "$out" | grep -qx slirp4netns; check "fish: jbox run --network <TAB> -> slirp4netns" $? "$out"
  out=$(fishc 'jbox system '); echo "$out" | grep -qx cds; check "fish: jbox system <TAB> -> cds" $? "$out"
else
  check "fish is installed" 1 "fish not found"
fi
if command -v zsh >/dev/null; then
  out=$(zshc "jbox ru"); echo "$out" | grep -qx run; check "zsh: jbox ru -> run" $? "$out"
  out=$(zshc "jbox run --netw"); echo "$out" | grep -qx -- --network; check "zsh: jbox run --netw -> --network" $? "$out"
  out=$(zshc "jbox run --network=n"); echo "$out" | grep -qx -- --network=none; check "zsh: jbox run --network=n -> --network=none" $? "$out"
  out=$(zshc "jbox system ''"); echo "$out" | grep -qx cds; check "zsh: jbox system <TAB> -> cds" $? "$out"
  head -n 1 "$dir/_jbox" | grep -qx '#compdef jbox'; check "zsh: _jbox is a #compdef file" $? "$(head -n 1 "$dir/_jbox")"
else
  check "zsh is installed" 1 "zsh not found"
fi
echo "completion-shells: $pass passed, $fail failed"
[ $fail = 0 ]
