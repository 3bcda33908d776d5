#!/usr/bin/env bash
# Debian chroots holding the other Wines the Windows checks run on:
#   bookworm-i386   Debian 12's Wine 8.0, 32-bit (wine, wine32)
#   trixie-amd64    Debian 13's Wine 10.0 (wine, wine64, winbind for ntlm_auth)
# Made once with debootstrap from the Debian archive this machine's apt sources use
# (scripts/debian-mirror.sh; NTLMSSP_DEBIAN_MIRROR overrides it) and kept outside the clone in
# /var/cache/ntlmssp-ci/chroot-<name>-<version> (NTLMSSP_CHROOT_CACHE overrides the directory),
# so a new version of this list makes a new chroot. Test programs are built on the host; the
# chroot only runs Wine.
#   usage: scripts/wine-chroot.sh NAME                  make the chroot if missing, print its path
#          scripts/wine-chroot.sh NAME run DIR CMD...   run CMD in it with DIR bound at /work
# The run form enters a private mount namespace (unshare -m): its /proc, /dev and /work mounts
# vanish with the command, nothing stays mounted on the host.
set -euo pipefail
name=${1:?usage: wine-chroot.sh bookworm-i386|trixie-amd64 [run DIR CMD...]}
shift
case $name in
  bookworm-i386) suite=bookworm arch=i386 packages="wine wine32" ;;
  trixie-amd64) suite=trixie arch=amd64 packages="wine wine64 winbind" ;;
  *) echo "unknown chroot $name" >&2; exit 2 ;;
esac
# Bump when the package list or the setup below changes.
version=1
cache=${NTLMSSP_CHROOT_CACHE:-/var/cache/ntlmssp-ci}
dir="$cache/chroot-$name-$version"

if [ ! -e "$dir/.complete" ]; then
  command -v debootstrap >/dev/null || { echo "missing debootstrap: apt-get install debootstrap" >&2; exit 1; }
  [ "$(id -u)" = 0 ] || { echo "making $dir needs root" >&2; exit 1; }
  . "$(dirname "$0")/debian-mirror.sh"
  mirror=$(debian_mirror)
  mkdir -p "$cache"
  rm -rf "$dir.tmp"
  start=$(date +%s)
  echo "making $dir (debootstrap $suite $arch, then $packages)" >&2
  debootstrap --variant=minbase --arch="$arch" "$suite" "$dir.tmp" "$mirror" > "$dir.log" 2>&1 \
    || { tail -n 20 "$dir.log" >&2; exit 1; }
  unshare -m --fork sh -c '
    set -e
    mount -t proc proc "$1/proc"
    mount --rbind /dev "$1/dev"
    cp /etc/resolv.conf "$1/etc/resolv.conf"
    chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2
    chroot "$1" apt-get clean
  ' sh "$dir.tmp" "$packages" >> "$dir.log" 2>&1 || { tail -n 20 "$dir.log" >&2; exit 1; }
  touch "$dir.tmp/.complete"
  mv "$dir.tmp" "$dir"
  echo "made $dir in $(( $(date +%s) - start )) s" >&2
fi

if [ "${1:-}" != run ]; then
  echo "$dir"
  exit 0
fi
work=$(realpath "${2:?run needs a directory}")
shift 2
mkdir -p "$dir/work"
exec unshare -m --fork sh -c '
  set -e
  root=$1 work=$2; shift 2
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs tmpfs "$root/tmp"
  mount --bind "$work" "$root/work"
  exec chroot "$root" env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 "$@"
' sh "$dir" "$work" "$@"
