#!/bin/bash
# as jboxtest: push a busybox image to a loopback registry and pull it into /var/tmp/pr-store
set -e
tmp=$(mktemp -d); reg=127.0.0.1:5091
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: %s}\n' "$tmp/data" "$reg" > $tmp/config.yml
docker-registry serve $tmp/config.yml > $tmp/log 2>&1 & rp=$!
trap 'kill $rp; rm -rf $tmp' EXIT
for _ in $(seq 50); do curl -sf http://$reg/v2/ >/dev/null && break; sleep 0.1; done
tar --owner=0 --group=0 --numeric-owner -C /var/tmp/jbox-bench/rootfs -cf $tmp/l.tar . ; gzip -n -c $tmp/l.tar > $tmp/l.tar.gz
sha() { sha256sum "$1" | cut -d' ' -f1; }
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"],"Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' $(sha $tmp/l.tar) > $tmp/c.json
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' $(sha $tmp/c.json) $(stat -c %s $tmp/c.json) $(sha $tmp/l.tar.gz) $(stat -c %s $tmp/l.tar.gz) > $tmp/m.json
pb() { loc=$(curl -fsS -X POST -D - -o /dev/null http://$reg/v2/bb/blobs/uploads/ | tr -d '\r' | sed -n 's/^[Ll]ocation: //p'); case $loc in http*);; *) loc=http://$reg$loc;; esac; curl -fsS -X PUT -H "Content-Type: application/octet-stream" --data-binary @$1 "$loc&digest=sha256:$(sha $1)" >/dev/null; }
pb $tmp/l.tar.gz; pb $tmp/c.json
curl -sS -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" --data-binary @$tmp/m.json http://$reg/v2/bb/manifests/latest; cat $tmp/m.json
printf 'unqualified-search-registries = []\n[[registry]]\nlocation = "%s"\ninsecure = true\n' $reg > $tmp/r.conf
JBOX_STORAGE=/var/tmp/pr-store JBOX_REGISTRIES_CONF=$tmp/r.conf /work/wt-pullrun/packaging/jbox pull -q $reg/bb:latest
JBOX_STORAGE=/var/tmp/pr-store /work/wt-pullrun/packaging/jbox tag $reg/bb:latest localhost/bb:latest
JBOX_STORAGE=/var/tmp/pr-store /work/wt-pullrun/packaging/jbox images
