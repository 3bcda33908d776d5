#!/usr/bin/env bash
# Builds the interop drivers into OUT: ours over the exported SSPI functions (sspi_peer, linked
# against LIBDIR), gss-ntlmssp's over GSSAPI (gss_peer, when the GSSAPI headers are installed),
# WinPR's over its SSPI (winpr_peer, when winpr2 is installed).
#
# usage: build.sh LIBDIR OUT
set -euo pipefail
libdir=$(cd "$1" && pwd)
out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)

gcc -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" "$root/tests/interop/sspi_peer.c" \
  -o "$out/sspi_peer" -L"$libdir" -lntlmssp -Wl,-rpath,"$libdir"
if [ -e /usr/include/gssapi/gssapi_ext.h ]; then
  gcc -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE "$root/tests/interop/gss_peer.c" -o "$out/gss_peer" -lgssapi_krb5
fi
if pkg-config --exists winpr2 2>/dev/null; then
  gcc -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE $(pkg-config --cflags winpr2) "$root/tests/interop/winpr_peer.c" \
    -o "$out/winpr_peer" $(pkg-config --libs winpr2)
fi
