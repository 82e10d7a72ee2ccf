#!/bin/bash
# tests/system/packages.sh SRC ACCOUNT ROOTFS: the .deb and the .rpm built by `mvn -Ppackages
# package` in SRC, checked as CI must (scripts/test runs this as root after the Maven suite):
#   lintian (no error; warnings fixed or overridden in packaging/lintian-overrides) and rpmlint (no
#   error; packaging/rpmlint.toml filters two with reasons); the .deb installed with apt-get, used
#   as ACCOUNT (/usr/bin/jbox run --rootfs ROOTFS, jbox run IMAGE from the loopback registry, the
#   man page, the installed bash completion, the AppCDS archives made by postinst and used), then
#   purged, leaving none of its files; the AppArmor profile skipped on AppArmor 3; the .rpm's
#   payload equal to the .deb's, installed with rpm --root, its launcher printing its version.
# Prints "packages: N passed, N failed". Holds /run/jbox-packages-test.lock: two checkouts must not
# install and purge the same package at once.
set -u
src=${1:?usage: packages.sh SRC ACCOUNT ROOTFS} user=${2:?} rootfs=${3:?}
[ "$(id -u)" = 0 ] || { echo "packages.sh: run as root" >&2; exit 2; }
exec 8>/run/jbox-packages-test.lock
flock 8
deb=$(ls "$src"/target/jbox_*_amd64.deb 2>/dev/null | head -n 1)
rpm=$(ls "$src"/target/jbox-*.x86_64.rpm 2>/dev/null | head -n 1)
tmp=$(mktemp -d /var/tmp/jbox-packages.XXXXXX)
chmod 0755 "$tmp"
pass=0 fail=0
check() { if [ "$2" = 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1: $3"; fi; }
home=$(getent passwd "$user" | cut -d: -f6)
mkdir -p "$tmp/store" "$tmp/cache" && chown "$user": "$tmp/store" "$tmp/cache"
as() { runuser -u "$user" -- env -i HOME="$home" USER="$user" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
  XDG_CACHE_HOME="$tmp/cache" JBOX_STORAGE="$tmp/store" JBOX_REGISTRIES_CONF="$tmp/registries.conf" "$@"; }
registry_pid=""
cleanup() {
  [ -n "${REG[1]:-}" ] && eval "exec ${REG[1]}>&-"
  [ -n "$registry_pid" ] && wait "$registry_pid" 2>/dev/null
  if dpkg -s jbox >/dev/null 2>&1; then apt-get purge -y -qq -o DPkg::Lock::Timeout=600 jbox >/dev/null 2>&1; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "$deb" ] && [ -n "$rpm" ]; check "mvn -Ppackages made the .deb and the .rpm" $? "deb=$deb rpm=$rpm"
[ -n "$deb" ] && [ -n "$rpm" ] || { echo "packages: $pass passed, $fail failed"; exit 1; }

# --- lint ------------------------------------------------------------------------------------
out=$(runuser -u "$user" -- lintian --fail-on error,warning "$deb" 2>&1); rc=$?
check "lintian: no error or warning" $rc "$out"
out=$(rpmlint -c "$src/packaging/rpmlint.toml" "$rpm" 2>&1); rc=$?
echo "$out" | grep -q ' 0 errors' ; check "rpmlint: no error" $? "$(echo "$out" | grep -E ': E: |errors')"

# --- the .rpm: the same payload, installable elsewhere ----------------------------------------
# files and links (directories aside: the .deb lists the shared ones, /usr, /usr/share/man/man1...)
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's#^\./#/#' | grep -v '^/usr/share/lintian/' | sort > "$tmp/deb.list"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" 2>/dev/null | awk '$1 !~ /^d/ {print $2}' | sort > "$tmp/rpm.list"
diff "$tmp/deb.list" "$tmp/rpm.list" > "$tmp/payload.diff" && [ -s "$tmp/deb.list" ]
check "rpm -qpl lists the .deb's payload" $? "$(cat "$tmp/payload.diff")"
rec=$(rpm -qp --recommends "$rpm" 2>/dev/null)
[ "$rec" = isa-l ]; check "the .rpm recommends isa-l (pulls inflate with ISA-L), as the .deb recommends libisal2" $? "recommends: $rec"
owned=$(rpm -qpl "$rpm" 2>/dev/null | grep -cxE '/usr/lib/jbox|/usr/share/jbox|/etc/jbox|/usr/share/doc/jbox')
[ "$owned" = 4 ]; check "the .rpm owns its own directories" $? "$(rpm -qpl "$rpm" | grep -E 'jbox$')"
mkdir -p "$tmp/rpmroot"
out=$(rpm -i --root "$tmp/rpmroot" --nodeps --noscripts "$rpm" 2>&1); rc=$?
check "rpm -i --root installs it" $rc "$out"
v=$(as env JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" "$tmp/rpmroot/usr/bin/jbox" --version 2>&1)
pomv=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$src/pom.xml" | head -n 1)
[ "$v" = "jbox $pomv" ]
check "the rpm's launcher prints its version" $? "$v"
[ -x "$tmp/rpmroot/usr/lib/jbox/jbox-helper" ] && [ -x "$tmp/rpmroot/usr/lib/jbox/jbox-unpack" ] && [ -f "$tmp/rpmroot/etc/jbox/jbox.toml" ]
check "the rpm installed the helper, jbox-unpack and the conffile" $? "$(ls -R "$tmp/rpmroot" | head)"

# --- AppArmor: AppArmor 3 (this Debian 12) rejects the profile, so it is skipped ---------------
if command -v apparmor_parser >/dev/null; then
  mkdir -p "$tmp/aa/etc"; touch "$tmp/aa/userns_create"
  dpkg-deb -x "$deb" "$tmp/aa/root"
  out=$(JBOX_APPARMOR_FEATURE="$tmp/aa/userns_create" JBOX_APPARMOR_D="$tmp/aa/etc" \
    JBOX_APPARMOR_PROFILE="$tmp/aa/root/usr/share/jbox/apparmor/jbox" sh "$tmp/aa/root/usr/lib/jbox/apparmor-setup" install 2>&1); rc=$?
  [ $rc = 0 ] && [ ! -e "$tmp/aa/etc/jbox" ] && echo "$out" | grep -q 'rejects it'
  check "AppArmor 3's parser rejects the profile: not installed" $? "exit $rc, $(ls "$tmp/aa/etc"): $out"
  out=$(JBOX_APPARMOR_FEATURE="$tmp/aa/none" JBOX_APPARMOR_D="$tmp/aa/etc" \
    JBOX_APPARMOR_PROFILE="$tmp/aa/root/usr/share/jbox/apparmor/jbox" sh "$tmp/aa/root/usr/lib/jbox/apparmor-setup" install 2>&1); rc=$?
  [ $rc = 0 ] && [ ! -e "$tmp/aa/etc/jbox" ] && echo "$out" | grep -q 'does not mediate'
  check "a kernel without userns mediation: not installed" $? "exit $rc: $out"
  # the profile without the AppArmor 4 rule parses: only `userns` and abi 4.0 are what AppArmor 3 lacks
  sed -e '/^abi /d' -e '/^  userns,/d' "$tmp/aa/root/usr/share/jbox/apparmor/jbox" > "$tmp/aa/v3"
  out=$(apparmor_parser --skip-kernel-load --skip-cache --quiet "$tmp/aa/v3" 2>&1)
  check "the profile is otherwise valid AppArmor" $? "$out"
fi

# --- the .deb: install, use, purge -------------------------------------------------------------
if dpkg -s jbox >/dev/null 2>&1; then apt-get purge -y -qq -o DPkg::Lock::Timeout=600 jbox >/dev/null 2>&1; fi
out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 "$deb" 2>&1); rc=$?
check "apt-get install ./jbox_*.deb" $rc "$(echo "$out" | tail -n 5)"
dpkg -L jbox | sort > "$tmp/dpkg-L"
[ "$(readlink -f /usr/bin/jbox)" = /usr/lib/jbox/jbox-helper ]
check "/usr/bin/jbox is the helper" $? "$(ls -l /usr/bin/jbox)"
/usr/lib/jbox/jbox-unpack >/dev/null 2>&1; rc=$? # no arguments: its usage, exit 2, once its libraries load
[ $rc = 2 ] && grep -qx /usr/lib/jbox/jbox-unpack "$tmp/dpkg-L"
check "the .deb ships jbox-unpack, and the libraries it needs (libisal2: Recommends) load" $? "exit $rc; $(ldd /usr/lib/jbox/jbox-unpack 2>&1 | grep 'not found')"
out=$(as /usr/bin/jbox run --rm --network=none --rootfs "$rootfs" sh -c 'echo in-sandbox; cat /proc/self/uid_map' 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -qx in-sandbox && echo "$out" | grep -qE '^ +1 +[0-9]+ +65536$'
check "as $user: /usr/bin/jbox run --rootfs (subordinate ids mapped)" $? "exit $rc: $out"
out=$(as man -w jbox-run 2>&1)
[ "$out" = /usr/share/man/man1/jbox-run.1.gz ]; check "man -w jbox-run" $? "$out"
stamp="$(readlink -f "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/modules")"
for a in jbox.jsa jbox-cmds.jsa jbox-cli.jsa; do
  [ -s "/var/lib/jbox/cds/$a" ] && grep -q "^$stamp " "/var/lib/jbox/cds/$a.jvm"
  check "postinst made /var/lib/jbox/cds/$a for this JVM" $? "$(ls -l /var/lib/jbox/cds 2>&1; cat "/var/lib/jbox/cds/$a.jvm" 2>&1)"
done
as env JBOX_JAVA_OPTS="-Xlog:class+load=info:file=$tmp/cache/cds.log" /usr/bin/jbox run --rm --network=none --rootfs "$rootfs" true >/dev/null 2>&1
grep -q 'dev.jbox.cli.RunCommand source: shared objects file' "$tmp/cache/cds.log" 2>/dev/null
check "the installed jbox run loads its classes from the archive" $? "$(grep 'dev.jbox.cli.RunCommand' "$tmp/cache/cds.log" 2>&1)"
! grep -q 'com.moandjiezana.toml' "$tmp/cache/cds.log" 2>/dev/null
check "the packaged /etc/jbox/jbox.toml (comments only) is not parsed" $? "$(grep -m3 'com.moandjiezana' "$tmp/cache/cds.log")"
# an image from the loopback test registry (served by the test classes, as the Maven suite does)
cp_test="$src/target/test-classes:$src/target/classes:$(ls "$src"/target/lib/*.jar | tr '\n' ':')"
mkdir -p "$tmp/registry" && chown "$user": "$tmp/registry"
coproc REG { runuser -u "$user" -- java -cp "$cp_test" dev.jbox.image.it.ServeTestImage "$tmp/registry" 2>&1; }
registry_pid=$REG_PID
read -r -t 60 image <&"${REG[0]}"
printf 'unqualified-search-registries = []\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "${image%%/*}" > "$tmp/registries.conf"
chmod 0644 "$tmp/registries.conf"
out=$(as jbox run --rm --network=none "$image" sh -c 'echo from-image; cat /srv/data' 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -qx from-image && echo "$out" | grep -qx shared
check "as $user: jbox run IMAGE from the loopback registry ($image)" $? "exit $rc: $out"
# the installed bash completion, driven as bash does (dynamic image names from this store)
out=$(as env JBOX_COMPLETION_IMAGE="$image" XDG_CACHE_HOME="$tmp/cache" JBOX_STORAGE="$tmp/store" \
  bash "$src/tests/system/completion-check.sh" /usr/share/bash-completion/completions/jbox jbox 2>&1); rc=$?
check "the installed bash completion" $rc "$out"
mkdir -p "$tmp/cache/shells"
cp /usr/share/zsh/vendor-completions/_jbox /usr/share/fish/vendor_completions.d/jbox.fish "$tmp/cache/shells/"
chown -R "$user": "$tmp/cache/shells"
out=$(as env TMPDIR="$tmp/cache/shells" bash "$src/tests/system/completion-shells.sh" "$tmp/cache/shells" 2>&1); rc=$?
check "the installed zsh and fish completion" $rc "$out"
out=$(as jbox doctor 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q '^ok    CDS archive: /var/lib/jbox/cds/jbox-cli.jsa matches'
check "as $user: the installed jbox doctor exits 0 and finds the archive" $? "exit $rc: $out"
as jbox rmi "$image" >/dev/null 2>&1
out=$(DEBIAN_FRONTEND=noninteractive apt-get purge -y -o DPkg::Lock::Timeout=600 jbox 2>&1); rc=$?
check "apt-get purge jbox" $rc "$(echo "$out" | tail -n 5)"
left=$(while read -r f; do { [ -e "$f" ] || [ -L "$f" ]; } && [ ! -d "$f" ] && echo "$f"; done < "$tmp/dpkg-L")
for d in /usr/lib/jbox /usr/share/jbox /etc/jbox /var/lib/jbox /usr/share/doc/jbox; do [ -e "$d" ] && left="$left $d"; done
[ -z "$left" ]; check "purge leaves no file of the package" $? "$left"
echo "packages: $pass passed, $fail failed"
[ $fail = 0 ]
