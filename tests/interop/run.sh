#!/usr/bin/env bash
# Builds the interop drivers (ours over the exported SSPI functions, gss-ntlmssp's over GSSAPI,
# WinPR's over its SSPI)
# and runs the matrix in run.py against every installed peer.
set -euo pipefail
libdir=$(cd "${1:-target/release}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

gcc -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$root/include" "$root/tests/interop/sspi_peer.c" \
  -o "$out/sspi_peer" -L"$libdir" -lntlmssp -Wl,-rpath,"$libdir"
if [ -e /usr/include/gssapi/gssapi_ext.h ]; then
  gcc -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE "$root/tests/interop/gss_peer.c" -o "$out/gss_peer" -lgssapi_krb5
fi
if pkg-config --exists winpr2 2>/dev/null; then
  gcc -std=c99 -Wall -Wextra -Werror -D_GNU_SOURCE $(pkg-config --cflags winpr2) "$root/tests/interop/winpr_peer.c" \
    -o "$out/winpr_peer" $(pkg-config --libs winpr2)
fi
python3 "$root/tests/interop/run.py" "$out"
