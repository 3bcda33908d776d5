#!/usr/bin/env bash
# Installs ntlmssp as a system library:
#   PREFIX/lib/libntlmssp.so.VERSION   the library (SONAME libntlmssp.so.0)
#   PREFIX/lib/libntlmssp.so.0         -> libntlmssp.so.VERSION (what programs load)
#   PREFIX/lib/libntlmssp.so           -> libntlmssp.so.0 (what the linker finds for -lntlmssp)
#   PREFIX/include/ntlmssp/sspi.h, security.h
#   PREFIX/lib/pkgconfig/ntlmssp.pc    Cflags -IPREFIX/include/ntlmssp, Libs -lntlmssp
#   PREFIX/bin/ntlmssp-decode
#
# usage: scripts/install.sh [--prefix DIR] [--libdir DIR] [--no-build] [--uninstall]
#   --prefix DIR   default /usr/local
#   --libdir DIR   default PREFIX/lib
#   --no-build     install what target/release holds (else `cargo build --release` first)
#   --uninstall    remove exactly the files above
# DESTDIR is honoured (staged installs for packaging): files go under $DESTDIR/PREFIX while
# ntlmssp.pc names PREFIX.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local libdir= build=1 uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --libdir) libdir=${2:?--libdir needs a directory}; shift 2 ;;
    --libdir=*) libdir=${1#*=}; shift ;;
    --no-build) build=0; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) prefix=$(cd "$prefix" 2>/dev/null && pwd || echo "$PWD/$prefix") ;; esac
libdir=${libdir:-$prefix/lib}
includedir=$prefix/include/ntlmssp
bindir=$prefix/bin
destdir=${DESTDIR:-}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
soname=libntlmssp.so.0
realname=libntlmssp.so.$version

files=("$libdir/$realname" "$libdir/$soname" "$libdir/libntlmssp.so" "$includedir/sspi.h" "$includedir/security.h"
       "$libdir/pkgconfig/ntlmssp.pc" "$bindir/ntlmssp-decode")

if [ "$uninstall" = 1 ]; then
  for f in "${files[@]}"; do
    if [ -e "$destdir$f" ] || [ -L "$destdir$f" ]; then rm -f "$destdir$f" && echo "removed $destdir$f"; fi
  done
  rmdir "$destdir$includedir" 2>/dev/null || true
  exit 0
fi

if [ "$build" = 1 ]; then
  cargo build --release --quiet
fi
lib=target/release/libntlmssp.so
bin=target/release/ntlmssp-decode
for f in "$lib" "$bin"; do
  [ -f "$f" ] || { echo "install.sh: $f is missing (run cargo build --release)" >&2; exit 1; }
done

install -d "$destdir$libdir/pkgconfig" "$destdir$includedir" "$destdir$bindir"
install -m 0755 "$lib" "$destdir$libdir/$realname"
ln -sfn "$realname" "$destdir$libdir/$soname"
ln -sfn "$soname" "$destdir$libdir/libntlmssp.so"
install -m 0644 include/sspi.h include/security.h "$destdir$includedir/"
install -m 0755 "$bin" "$destdir$bindir/ntlmssp-decode"
cat > "$destdir$libdir/pkgconfig/ntlmssp.pc" <<PC
prefix=$prefix
libdir=$libdir
includedir=$includedir

Name: ntlmssp
Description: NTLM security package (MS-NLMP) with the Windows SSPI C ABI
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lntlmssp
PC
chmod 0644 "$destdir$libdir/pkgconfig/ntlmssp.pc"
for f in "${files[@]}"; do echo "installed $destdir$f"; done
# A system-wide install (no DESTDIR, as root) refreshes the loader's cache.
if [ -z "$destdir" ] && [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi
