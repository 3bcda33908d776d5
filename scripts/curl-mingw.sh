#!/usr/bin/env bash
# curl.exe for Windows (x86_64), built from Debian's curl source package with mingw-w64, for the
# checks that put ntlmssp.dll under a real SSPI caller (tests/domain/curl.sh): curl's Windows
# build authenticates HTTP with NTLM and Negotiate through SSPI (secur32's InitSecurityInterface),
# which under Wine reaches ntlmssp.dll once scripts/wine-install.sh installed it.
#
# Debian ships no Windows curl, so: the source package of the host's curl (the same version,
# Debian's patches applied as its rules apply them, without the GnuTLS and NSS flavour patches),
# fetched through a private apt source list (scripts/debian-mirror.sh), configured for SSPI and
# Schannel with every optional dependency and unused protocol left out, statically linked.
# Built once per version into $NTLMSSP_CI_CACHE/curl-mingw-<version> (default
# /var/cache/ntlmssp-ci, else ~/.cache/ntlmssp-ci); prints the path of curl.exe.
#
# usage: scripts/curl-mingw.sh   (needs gcc-mingw-w64-x86-64, make; about 3 minutes on 2 cores)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/debian-mirror.sh"
# The win32 threads flavour of mingw-w64's gcc, and curl's Windows threads (--disable-pthreads):
# curl.exe then needs no libwinpthread-1.dll beside it.
cc=x86_64-w64-mingw32-gcc-win32
command -v "$cc" >/dev/null || { echo "curl-mingw.sh: $cc is missing (gcc-mingw-w64-x86-64-win32)" >&2; exit 2; }

# The host's curl version (installed, else the candidate apt knows).
version=$(dpkg-query -W -f='${source:Version}' curl 2>/dev/null || true)
[ -n "$version" ] || version=$(apt-cache policy curl 2>/dev/null | awk '/Candidate:/ {print $2}')
[ -n "$version" ] && [ "$version" != "(none)" ] || { echo "curl-mingw.sh: no curl version known to apt" >&2; exit 2; }
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")

cache_root=${NTLMSSP_CI_CACHE:-/var/cache/ntlmssp-ci}
if ! mkdir -p "$cache_root" 2>/dev/null || [ ! -w "$cache_root" ]; then
  cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/ntlmssp-ci
  mkdir -p "$cache_root"
fi
dest="$cache_root/curl-mingw-$version"
exec 9>"$dest.lock"
flock 9
if [ -x "$dest/curl.exe" ]; then
  echo "$dest/curl.exe"
  exit 0
fi

work=$(mktemp -d "$cache_root/curl-mingw-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
files=$(debian_source curl "$version" "$codename" "$work" '\.orig\.tar\.(gz|xz|bz2)$|\.debian\.tar\.')
orig=$(grep '\.orig\.tar\.' <<<"$files")
debian=$(grep '\.debian\.tar\.' <<<"$files")
mkdir "$work/src"
tar -xf "$work/$orig" -C "$work/src" --strip-components=1
tar -xf "$work/$debian" -C "$work/src"
cd "$work/src"
# Debian's patches in series order, up to the line after which its rules apply the flavour
# patches (GnuTLS, NSS) in builds of their own.
while read -r p; do
  case $p in
    '# Do not add patches below.'*) break ;;
    ''|'#'*) continue ;;
  esac
  patch -p1 -s --no-backup-if-mismatch < "debian/patches/$p" || { echo "curl-mingw.sh: $p does not apply" >&2; exit 1; }
done < debian/patches/series

# SSPI (NTLM, Negotiate) with Schannel for TLS; nothing else: HTTP only, no compression, IDN,
# PSL, HTTP/2 or LDAP, no shared library.
./configure --host=x86_64-w64-mingw32 CC="$cc" --prefix="$work/out" --disable-shared --enable-static \
  --with-schannel --enable-sspi --disable-pthreads --disable-ldap --disable-ldaps --disable-rtsp --disable-dict \
  --disable-telnet --disable-tftp --disable-pop3 --disable-imap --disable-smtp --disable-gopher \
  --disable-mqtt --disable-smb --disable-file --disable-ftp --disable-manual --disable-docs \
  --without-zlib --without-brotli --without-zstd --without-libpsl --without-libidn2 \
  --without-nghttp2 --without-libssh2 --without-librtmp > "$work/configure.log" 2>&1 \
  || { tail -30 "$work/configure.log" >&2; exit 1; }
make -j"$(nproc)" -C lib > "$work/make.log" 2>&1 && make -C src > "$work/make-src.log" 2>&1 \
  || { tail -30 "$work/make.log" "$work/make-src.log" >&2; exit 1; }
x86_64-w64-mingw32-strip src/curl.exe
if x86_64-w64-mingw32-objdump -p src/curl.exe | grep -qi 'DLL Name: libwinpthread'; then
  echo "curl-mingw.sh: curl.exe still imports libwinpthread-1.dll" >&2
  exit 1
fi
mkdir -p "$dest.new"
cp src/curl.exe "$dest.new/"
grep -E 'SSPI|SSL|Protocols|NTLM|SPNEGO' "$work/configure.log" | tail -20 > "$dest.new/configure-summary.txt" || true
rm -rf "$dest" && mv "$dest.new" "$dest"
echo "$dest/curl.exe"
