#!/usr/bin/env bash
# The benchmark: builds tests/bench (ntlmssp through its C ABI and its Rust core, the crypto
# floor, sspi-rs in the same process) and the C peer programs for gss-ntlmssp (GSSAPI) and
# WinPR (SSPI) when their development files are installed, then prints one table with ratios.
#   bash scripts/bench.sh            # full run (5 runs of 300 ms per figure)
#   bash scripts/bench.sh --quick    # 3 runs of 100 ms (CI smoke run)
# Peers: apt-get install gss-ntlmssp libkrb5-dev libwinpr2-dev
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
peers=()
if [ -e /usr/include/gssapi/gssapi_ext.h ] && ls /usr/lib/*/gssntlmssp/gssntlmssp.so >/dev/null 2>&1; then
  gcc -O2 -std=c99 -D_POSIX_C_SOURCE=200809L tests/bench/peers/gss_bench.c -o "$out/gss_bench" -lgssapi_krb5
  peers+=(--peer "gss-ntlmssp=$out/gss_bench")
else
  echo "gss-ntlmssp or libkrb5-dev not installed: that peer is left out" >&2
fi
if pkg-config --exists winpr2 2>/dev/null; then
  gcc -O2 -std=gnu99 tests/bench/peers/winpr_bench.c -o "$out/winpr_bench" $(pkg-config --cflags --libs winpr2)
  peers+=(--peer "WinPR=$out/winpr_bench")
else
  echo "libwinpr2-dev not installed: that peer is left out" >&2
fi
# The peers' users: gss-ntlmssp reads NTLM_USER_FILE (the benchmark writes the same user).
printf 'DOMAIN:alice:Secret123\n' > "$out/users"
export NTLM_USER_FILE="$out/users" WLOG_LEVEL=OFF
cargo build --release --quiet --manifest-path tests/bench/Cargo.toml
tests/bench/target/release/ntlmssp-bench "$@" "${peers[@]}"
