#!/usr/bin/env bash
# Builds the library and runs the example client: a complete NTLMv2 handshake through the
# exported SSPI functions, printing the negotiated attributes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -std=c99 -D_GNU_SOURCE -Iinclude examples-c/client.c -o "$out/client" -Ltarget/release -lntlmssp -Wl,-rpath,"$PWD/target/release"
"$out/client" "${1:-alice}" "${2:-EXAMPLE}" "${3:-Pa55word!}"
