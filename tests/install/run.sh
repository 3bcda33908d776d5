#!/usr/bin/env bash
# Installs ntlmssp into a temporary prefix with scripts/install.sh and uses the INSTALLED copy
# only: the SONAME and the exported symbols of the installed library, then the example client
# and the C harness built from copies of their sources with nothing but
# `pkg-config --cflags --libs ntlmssp` (no path into the source tree) and run; ntlmssp-decode
# from PREFIX/bin; a DESTDIR staged install; and the uninstall.
# usage: tests/install/run.sh   (after cargo build --release)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "not ok - $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

bash "$root/scripts/install.sh" --no-build --prefix "$prefix" > "$work/install.log"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
lib=$prefix/lib/libntlmssp.so.$version
[ -f "$lib" ] && [ ! -L "$lib" ] || fail "real name libntlmssp.so.$version"
[ "$(readlink "$prefix/lib/libntlmssp.so.0")" = "libntlmssp.so.$version" ] || fail "libntlmssp.so.0 -> libntlmssp.so.$version"
[ "$(readlink "$prefix/lib/libntlmssp.so")" = libntlmssp.so.0 ] || fail "libntlmssp.so -> libntlmssp.so.0"
ok "real name, soname link and development link"

readelf -d "$lib" | grep -q 'Library soname: \[libntlmssp\.so\.0\]' || fail "SONAME (readelf -d $lib)"
ok "SONAME libntlmssp.so.0"
readelf -d "$lib" | grep -Eq '\(SYMBOLIC\)|FLAGS\).*SYMBOLIC' || fail "DT_SYMBOLIC: references to our own exports bind to us"
ok "binds its own references (-Bsymbolic)"
nm -D --defined-only "$lib" | awk '{print $NF}' | sort > "$work/exported"
sed -n '/^EXPORTS/,$p' "$root/def/ntlmssp.def" | tail -n +2 | awk 'NF {print $1}' | sort > "$work/expected"
diff -u "$work/expected" "$work/exported" || fail "exported symbols are exactly def/ntlmssp.def"
ok "exports exactly the $(wc -l < "$work/expected") SSPI functions"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
unset PKG_CONFIG_LIBDIR
[ "$(pkg-config --modversion ntlmssp)" = "$version" ] || fail "pkg-config --modversion ntlmssp"
flags=$(pkg-config --cflags --libs ntlmssp)
case "$flags" in *"$root"*) fail "pkg-config flags point into the source tree: $flags" ;; esac
ok "pkg-config: $flags"

# Copies of the sources, away from include/ and target/.
mkdir "$work/src"
cp "$root/examples-c/client.c" "$root/tests/c/harness.c" "$root/tests/c/check.h" "$root/tests/c/portable.h" "$root/tests/c/spnego.h" "$work/src/"
rpath=$(pkg-config --variable=libdir ntlmssp)
for prog in client harness; do
  # shellcheck disable=SC2086
  cc -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE "$work/src/$prog.c" -o "$work/$prog" $flags -ldl -Wl,-rpath,"$rpath"
  readelf -d "$work/$prog" | grep -q 'Shared library: \[libntlmssp\.so\.0\]' || fail "$prog records NEEDED libntlmssp.so.0"
  resolved=$(ldd "$work/$prog" | awk '/libntlmssp/ {print $3}')
  [ "$resolved" = "$prefix/lib/libntlmssp.so.0" ] || fail "$prog loads $resolved, not the installed copy"
done
ok "example client and harness built with pkg-config, linked by soname to the installed copy"
"$work/client" alice EXAMPLE 'Pa55word!' > "$work/client.log" || { cat "$work/client.log"; fail "example client against the installed library"; }
ok "example client: $(head -n 1 "$work/client.log")"
"$work/harness" > "$work/harness.log" || { grep -v '^ok' "$work/harness.log"; fail "C harness against the installed library"; }
ok "C harness against the installed library: $(tail -n 1 "$work/harness.log")"

token=TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==
"$prefix/bin/ntlmssp-decode" "Authorization: NTLM $token" | grep -q NEGOTIATE_MESSAGE || fail "installed ntlmssp-decode"
ok "ntlmssp-decode from PREFIX/bin"

DESTDIR=$work/stage bash "$root/scripts/install.sh" --no-build --prefix /opt/ntlmssp > /dev/null
[ -f "$work/stage/opt/ntlmssp/lib/libntlmssp.so.$version" ] && [ -f "$work/stage/opt/ntlmssp/include/ntlmssp/security.h" ] \
  && grep -qx 'prefix=/opt/ntlmssp' "$work/stage/opt/ntlmssp/lib/pkgconfig/ntlmssp.pc" || fail "DESTDIR staged install"
ok "DESTDIR: files staged, ntlmssp.pc names the final prefix"

bash "$root/scripts/install.sh" --uninstall --prefix "$prefix" > /dev/null
left=$(find "$prefix" -type f -o -type l)
[ -z "$left" ] || fail "uninstall left: $left"
ok "uninstall removes every installed file"
