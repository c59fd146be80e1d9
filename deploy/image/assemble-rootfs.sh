#!/bin/sh
# Assembles the runtime root filesystem of the tflconv image (run in the
# Dockerfile's build stage, on Debian 12):
#   assemble-rootfs.sh ROOTFS BINARY...
# ROOTFS gets each BINARY (stripped) in /usr/local/bin, every shared library
# ldd says it loads (with its soname symlinks, at its /usr path: Debian 12 is
# merged-/usr, so /lib and /lib64 are symlinks as on the host), the Debian
# copyright file of each package those libraries come from, a non-root user
# (tflconv, 10001:10001) and a world-writable /tmp. Nothing else: no shell.
set -eu
rootfs=$1; shift
[ $# -gt 0 ] || { echo "usage: $0 ROOTFS BINARY..." >&2; exit 2; }

mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/lib" "$rootfs/usr/lib64" "$rootfs/etc" \
  "$rootfs/tmp" "$rootfs/home/tflconv" "$rootfs/usr/share/doc"
ln -sfn usr/lib "$rootfs/lib"
ln -sfn usr/lib64 "$rootfs/lib64"
chmod 1777 "$rootfs/tmp"

# copy_path PATH: copies PATH into the rootfs under its canonical directory,
# keeping it a symlink if it is one, and follows the chain to the real file.
copy_path() {
  p=$1
  while :; do
    dir=$(readlink -f "$(dirname "$p")")
    f="$dir/$(basename "$p")"
    mkdir -p "$rootfs$dir"
    cp -P "$f" "$rootfs$f"
    [ -L "$f" ] || break
    t=$(readlink "$f")
    case $t in /*) p=$t ;; *) p="$dir/$t" ;; esac
  done
  echo "$f"
}

libs=$(mktemp)
libdirs=$(mktemp)
for bin in "$@"; do
  install -m 0755 -s "$bin" "$rootfs/usr/local/bin/$(basename "$bin")"
  # "libx.so.1 => /lib/.../libx.so.1 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
  ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' >>"$libs"
  if ldd "$bin" | grep -q "not found"; then
    echo "assemble-rootfs: $bin has unresolved libraries:" >&2; ldd "$bin" >&2; exit 1
  fi
done
for lib in $(sort -u "$libs"); do
  real=$(copy_path "$lib")
  dirname "$real" >>"$libdirs"
  # Licences: the copyright file of the Debian package that ships the library.
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || true)
  pkg=${pkg%%:*}
  if [ -n "$pkg" ] && [ -f "/usr/share/doc/$pkg/copyright" ]; then
    mkdir -p "$rootfs/usr/share/doc/$pkg"
    cp "/usr/share/doc/$pkg/copyright" "$rootfs/usr/share/doc/$pkg/copyright"
  fi
done
rm -f "$libs"

cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
tflconv:x:10001:10001:tflconv:/home/tflconv:/usr/sbin/nologin
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
tflconv:x:10001:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
chown 10001:10001 "$rootfs/home/tflconv"
chmod 0755 "$rootfs/home/tflconv"
# The libraries' directory cache, so the loader need not rely on defaults.
for lib in $(sort -u "$libdirs"); do echo "$lib"; done >"$rootfs/etc/ld.so.conf"
rm -f "$libdirs"
ldconfig -r "$rootfs"
echo "assemble-rootfs: $(find "$rootfs" -type f | wc -l) files, $(du -sh "$rootfs" | cut -f1)"
