#!/bin/bash
# unpack-e2e.sh JBOX-UNPACK: jbox-unpack built with ASan and UBSan (build/asan/jbox-unpack) end to end
# on layers python3's tarfile writes here, benign and hostile, as whoever runs `make check`: each
# must give the tree or the one-line error it should, leave nothing outside DEST, and no sanitizer
# may report anything. (UnpackDiffTest compares it with the Java extractor case by case.)
set -u
u=$(readlink -f "$1")
# leaks: every error path exits with its allocations live, by design (a one-shot process)
export ASAN_OPTIONS=detect_leaks=0:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
t=$(mktemp -d)
trap 'chmod -R u+rwx "$t" 2>/dev/null; rm -rf "$t"' EXIT
failed=0
fail() {
  echo "FAIL unpack-e2e $1" >&2
  [ -f "$t/err" ] && head -30 "$t/err" >&2
  failed=$((failed + 1))
}
# a tree with 0555 directories in it (etc/) cannot be emptied by its owner until they open again
clean() { chmod -R u+rwx "$t/d" 2>/dev/null; rm -rf "$t/d"; }
# run NAME WANT-EXIT [ERROR-FRAGMENT] -- ARGS...: one unpack into a new $t/d
run() {
  local name=$1 want=$2 frag=
  shift 2
  if [ "$1" != -- ]; then frag=$1; shift; fi
  shift
  clean
  "$u" "$@" >"$t/out" 2>"$t/err" </dev/null
  local code=$?
  if [ "$code" != "$want" ] || grep -qE 'Sanitizer|runtime error' "$t/err"; then
    fail "$name: exit $code (want $want)"
    return 1
  fi
  if [ -n "$frag" ] && { [ "$(wc -l <"$t/err")" != 1 ] || ! grep -qF -- "$frag" "$t/err"; }; then
    fail "$name: error is not the one line with '$frag'"
    return 1
  fi
  return 0
}

python3 - "$t" <<'EOF' || { echo "FAIL unpack-e2e: python3 could not write the layers" >&2; exit 1; }
import gzip, io, sys, tarfile
d = sys.argv[1]
def ti(name, typ=tarfile.REGTYPE, data=b'', link='', mode=0o644, uid=0, gid=0, pax=None):
    i = tarfile.TarInfo(name); i.type = typ; i.mode = mode; i.uid = uid; i.gid = gid
    i.mtime = 1700000000; i.linkname = link; i.size = len(data) if typ == tarfile.REGTYPE else 0
    if pax: i.pax_headers = pax
    return (i, data)
def write(name, members, gz=True, fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode='w', format=fmt) as t:
        for i, data in members:
            t.addfile(i, io.BytesIO(data) if i.type == tarfile.REGTYPE else None)
    raw = b.getvalue()
    open(f'{d}/{name}.tar', 'wb').write(raw)
    if gz:
        open(f'{d}/{name}.gz', 'wb').write(gzip.compress(raw, 6))
write('benign', [ti('./', tarfile.DIRTYPE, mode=0o755), ti('etc/', tarfile.DIRTYPE, mode=0o555),
    ti('etc/passwd', data=b'root:x:0:0::/root:/bin/sh\n'), ti('etc/shadow', data=b's', mode=0o640, gid=42),
    ti('bin/', tarfile.DIRTYPE, mode=0o755), ti('bin/sh', data=b'\x7fELF' * 100000, mode=0o4755),
    ti('bin/ash', tarfile.LNKTYPE, link='bin/sh'), ti('bin/link', tarfile.SYMTYPE, link='/etc/passwd'),
    ti('run/fifo', tarfile.FIFOTYPE, mode=0o600), ti('dev/null', tarfile.CHRTYPE),
    ti('x' * 120 + '/' + 'y' * 120, data=b'long'),
    ti('attr', data=b'a', pax={'SCHILY.xattr.user.k': 'v', 'SCHILY.xattr.trusted.k': 'v'}),
    ti('gone/', tarfile.DIRTYPE), ti('gone/f', data=b'f', uid=5), ti('.wh.gone'),
    ti('opq/', tarfile.DIRTYPE), ti('opq/.wh..wh..opq'),
    ti('dirfile/', tarfile.DIRTYPE), ti('dirfile/in', data=b'i', uid=9), ti('dirfile', data=b'now a file')])
write('dotdot', [ti('a/../../escape', data=b'x')])
write('symparent', [ti('l', tarfile.SYMTYPE, link='/tmp'), ti('l/f', data=b'x')])
write('hardout', [ti('h', tarfile.LNKTYPE, link='../../etc/passwd')])
write('unknown', [ti('u', b'Z')])
write('many', [ti(f'f{n}', data=b'') for n in range(50)])
write('bigids', [ti('f', data=b'x', uid=70000)])
g = open(f'{d}/benign.gz', 'rb').read()
open(f'{d}/corrupt.gz', 'wb').write(g[:-8] + bytes([g[-8] ^ 1]) + g[-7:])  # the trailer's CRC-32
open(f'{d}/cut.gz', 'wb').write(open(f'{d}/benign.gz', 'rb').read()[:-100])
open(f'{d}/zstd', 'wb').write(b'\x28\xb5\x2f\xfd' + b'\0' * 100)
open(f'{d}/notar.gz', 'wb').write(gzip.compress(b'this is not a tar archive' * 100))
open(f'{d}/bomb.gz', 'wb').write(gzip.compress(b'\0' * (8 << 20)))
EOF

o=(--owners deferred:65536:65536)
if run "a benign gzip layer" 0 -- "${o[@]}" "$t/benign.gz" "$t/d"; then
  want=$(sha256sum <"$t/benign.tar" | cut -d' ' -f1)
  grep -qx "diffid sha256:$want" "$t/out" || fail "benign: the diff id is not the tar's SHA-256"
  grep -qx "devices 1" "$t/out" || fail "benign: the device node is not counted"
  grep -qx "xattrs-skipped 1" "$t/out" || fail "benign: the trusted.* xattr is not counted as skipped"
  [ "$(stat -c %a "$t/d/etc")" = 555 ] && [ "$(stat -c %a "$t/d/bin/sh")" = 4755 ] || fail "benign: modes"
  [ "$(stat -c %i "$t/d/bin/sh")" = "$(stat -c %i "$t/d/bin/ash")" ] || fail "benign: the hard link"
  [ "$(readlink "$t/d/bin/link")" = /etc/passwd ] && [ -p "$t/d/run/fifo" ] || fail "benign: symlink or fifo"
  [ "$(stat -c %Y "$t/d/etc/passwd")" = 1700000000 ] && [ "$(stat -c %Y "$t/d/etc")" = 1700000000 ] || fail "benign: times"
  [ "$(stat -c %t:%T:%F "$t/d/gone")" = "0:0:character special file" ] || fail "benign: the whiteout"
  python3 -c 'import os, sys; sys.exit(os.getxattr(sys.argv[1], "user.overlay.opaque") != b"y" or os.getxattr(sys.argv[2], "user.k") != b"v")' \
    "$t/d/opq" "$t/d/attr" || fail "benign: the opaque marker or the user.* xattr"
  [ -f "$t/d/dirfile" ] && [ ! -e "$t/d/dev/null" ] || fail "benign: a directory replaced by a file, or the device"
  # the owners list: shadow's group; gone/f and dirfile/in were removed with their directories
  tr '\0' '\n' <"$t/out" | grep -qx "0 42 640 etc/shadow" || fail "benign: etc/shadow is not listed"
  tr '\0' '\n' <"$t/out" | grep -qE "gone/f|dirfile/in" && fail "benign: a removed file is still listed"
fi
run "the same layer, plain tar" 0 -- "$t/benign.tar" "$t/d" && grep -q "owners 0" "$t/out" || fail "plain: no owners without --owners"
run "'..' out of the layer" 1 "path escapes the layer with '..'" -- "$t/dotdot.gz" "$t/d"
run "a file through a symlink parent" 1 "its parent /l is a symlink" -- "$t/symparent.gz" "$t/d"
run "a hard link out of the layer" 1 "path escapes the layer with '..'" -- "$t/hardout.gz" "$t/d"
run "an unknown member type" 1 "unsupported tar member type 'Z'" -- "$t/unknown.gz" "$t/d"
run "more entries than the limit" 1 "more than 10 entries" -- --max-entries 10 "$t/many.gz" "$t/d"
run "larger than the limit" 1 "larger than 1048576 bytes after decompression" -- --max-bytes 1048576 "$t/bomb.gz" "$t/d"
run "an owner past the map" 1 "owned by uid 70000, outside your 65535 subordinate ids" -- "${o[@]}" "$t/bigids.gz" "$t/d"
run "a wrong CRC-32 in the gzip trailer" 1 "gzip: corrupt data (CRC or length mismatch)" -- "$t/corrupt.gz" "$t/d"
run "cut gzip" 1 "gzip: unexpected end of the compressed data" -- "$t/cut.gz" "$t/d"
run "not a tar" 1 "tar: bad octal field in header" -- "$t/notar.gz" "$t/d"
run "a zstd blob: left to the JVM, nothing made" 3 -- "$t/zstd" "$t/d" && [ ! -e "$t/d" ] || fail "zstd: DEST was made"
run "DEST exists" 1 "cannot create" -- "$t/benign.gz" "$t" 
run "bad arguments" 2 -- --max-bytes x "$t/benign.gz" "$t/d"
# --follow: the blob grows in BLOB.partial and is renamed when complete, as the registry client does
clean; rm -f "$t/blob" "$t/blob.partial"
( head -c 3000 "$t/benign.gz" >"$t/blob.partial"; sleep 0.3; tail -c +3001 "$t/benign.gz" >>"$t/blob.partial"; sleep 0.2; mv "$t/blob.partial" "$t/blob" ) &
mkfifo "$t/in" # its input stays open (no end: no cancel), as the JVM's pipe does
"$u" --follow "$t/blob" "$t/d" >"$t/out" 2>"$t/err" <>"$t/in"
code=$?
wait
{ [ $code = 0 ] && grep -q "^diffid sha256:$(sha256sum <"$t/benign.tar" | cut -d' ' -f1)" "$t/out"; } || fail "follow: exit $code"
# --follow whose download fails: its input closes, and it stops with the one line
clean; rm -f "$t/blob"
head -c 3000 "$t/benign.gz" >"$t/blob.partial"
(sleep 0.3; exec 3>&-) | "$u" --follow "$t/blob" "$t/d" >/dev/null 2>"$t/err"
code=$?
{ [ $code = 1 ] && grep -qx "the download failed" "$t/err"; } || fail "follow, cancelled: exit $code"
grep -qE 'Sanitizer|runtime error' "$t/err" && fail "follow, cancelled: a sanitizer report"
[ "$failed" = 0 ] && echo "== unpack-e2e: every case passed under ASan/UBSan" || exit 1
