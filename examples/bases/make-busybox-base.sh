#!/usr/bin/env bash
# Makes a small base image (busybox + /etc/passwd) offline from Debian's busybox-static
# package, into an OCI image layout, deterministically (every mtime = SOURCE_DATE_EPOCH, 0 by
# default), so the same package version always gives the same digest.
# Usage: make-busybox-base.sh <layout-dir> [tag]     (default tag: busybox)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
layout=${1:?usage: make-busybox-base.sh <layout-dir> [tag]}
tag=${2:-busybox}
busybox=/bin/busybox
[[ -x $busybox ]] || { echo "make-busybox-base: $busybox missing: run scripts/install-deps.sh (installs busybox-static)" >&2; exit 4; }
file -b "$busybox" | grep -q 'statically linked' || { echo "make-busybox-base: $busybox is not the static build (busybox-static)" >&2; exit 4; }

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
install -d -m 0755 "$rootfs/bin" "$rootfs/sbin" "$rootfs/usr/bin" "$rootfs/usr/sbin" "$rootfs/etc" "$rootfs/root" "$rootfs/home"
install -d -m 1777 "$rootfs/tmp"
install -m 0755 "$busybox" "$rootfs/bin/busybox"
# One symlink per applet, at the path busybox itself reports (bin/sh, usr/bin/wget, ...).
while read -r applet; do
  [[ $applet == bin/busybox ]] && continue
  rel=$(realpath -m --relative-to="$(dirname "/$applet")" /bin/busybox)
  ln -sf "$rel" "$rootfs/$applet"
done < <("$busybox" --list-full | sort)
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
version=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo unknown)
printf 'NAME="busybox base (Mailknight example)"\nID=busybox\nVERSION_ID="%s"\n' "$version" > "$rootfs/etc/os-release"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/os-release"

"$repo/bin/mailknight.js" image from-rootfs "$rootfs" "oci:$layout:$tag" \
  --source-date-epoch "${SOURCE_DATE_EPOCH:-0}" --cmd '["/bin/sh"]' \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
